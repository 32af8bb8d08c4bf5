// Built with `rustc -C target-feature=+crt-static` (a static-pie binary): sleeps on two threads,
// prints the simulated time, and sends a UDP datagram and a TCP stream to the echo server at
// HOST PORT (tests/programs/static_peer.c), printing its replies. Standard library only.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: static_client HOST PORT");
        std::process::exit(2);
    }
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    let worker = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(100));
        "thread slept 100 ms"
    });
    println!("{}", worker.join().unwrap());
    println!("slept {} ms", start.elapsed().as_millis());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("realtime {}.{:09}", now.as_secs(), now.subsec_nanos());
    let addr = format!("{}:{}", args[1], args[2]);
    let udp = UdpSocket::bind("0.0.0.0:0").unwrap();
    udp.send_to(b"hello from rust udp", &addr).unwrap();
    let mut buf = [0u8; 512];
    let n = udp.recv(&mut buf).unwrap();
    println!("udp reply: {}", String::from_utf8_lossy(&buf[..n]));
    let mut tcp = TcpStream::connect(&addr).unwrap();
    tcp.write_all(b"hello from rust tcp").unwrap();
    tcp.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    println!("tcp reply: {}", reply);
}
