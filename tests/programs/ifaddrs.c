// The host's interfaces as programs discover them: getifaddrs (netlink),
// if_nametoindex / if_nameindex, and the SIOCGIF* ioctls.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *ip(struct sockaddr *sa) {
  static char buf[4][64];
  static int i;
  i = (i + 1) % 4;
  if (!sa) return "-";
  if (sa->sa_family == AF_INET6)
    return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, buf[i], sizeof buf[i]);
  if (sa->sa_family != AF_INET) return "?";
  return inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, buf[i], sizeof buf[i]);
}

int main(void) {
  struct ifaddrs *ifa;
  if (getifaddrs(&ifa) != 0) {
    perror("getifaddrs");
    return 1;
  }
  for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
    int fam = p->ifa_addr ? p->ifa_addr->sa_family : -1;
    printf("%s %s flags%s%s%s%s", p->ifa_name,
           fam == AF_INET     ? "AF_INET"
           : fam == AF_INET6  ? "AF_INET6"
           : fam == AF_PACKET ? "AF_PACKET"
                              : "other",
           (p->ifa_flags & IFF_UP) ? " UP" : "", (p->ifa_flags & IFF_LOOPBACK) ? " LOOPBACK" : "",
           (p->ifa_flags & IFF_BROADCAST) ? " BROADCAST" : "",
           (p->ifa_flags & IFF_RUNNING) ? " RUNNING" : "");
    if (fam == AF_INET)
      printf(" addr %s mask %s %s %s", ip(p->ifa_addr), ip(p->ifa_netmask),
             (p->ifa_flags & IFF_BROADCAST) ? "brd" : "dst", ip(p->ifa_broadaddr));
    if (fam == AF_INET6) printf(" addr %s mask %s", ip(p->ifa_addr), ip(p->ifa_netmask));
    if (fam == AF_PACKET) {
      struct sockaddr_ll *ll = (struct sockaddr_ll *)p->ifa_addr;
      printf(" index %d hwaddr", ll->sll_ifindex);
      for (int i = 0; i < ll->sll_halen; i++) printf("%s%02x", i ? ":" : " ", ll->sll_addr[i]);
    }
    printf("\n");
  }
  freeifaddrs(ifa);
  printf("if_nametoindex eth0=%u lo=%u nope=%u\n", if_nametoindex("eth0"), if_nametoindex("lo"),
         if_nametoindex("nope"));
  char name[IF_NAMESIZE];
  printf("if_indextoname 2=%s\n", if_indextoname(2, name) ? name : "(none)");
  struct if_nameindex *ni = if_nameindex();
  for (struct if_nameindex *p = ni; p && p->if_index; p++)
    printf("if_nameindex %u %s\n", p->if_index, p->if_name);
  if_freenameindex(ni);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq r;
  memset(&r, 0, sizeof r);
  strcpy(r.ifr_name, "eth0");
  if (ioctl(fd, SIOCGIFADDR, &r) == 0) printf("SIOCGIFADDR eth0 %s\n", ip(&r.ifr_addr));
  if (ioctl(fd, SIOCGIFNETMASK, &r) == 0) printf("SIOCGIFNETMASK eth0 %s\n", ip(&r.ifr_netmask));
  if (ioctl(fd, SIOCGIFMTU, &r) == 0) printf("SIOCGIFMTU eth0 %d\n", r.ifr_mtu);
  char host[64];
  gethostname(host, sizeof host);
  printf("hostname %s\n", host);
  return 0;
}
