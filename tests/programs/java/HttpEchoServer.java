// com.sun.net.httpserver on port 8080: answers each GET with "hello <path>",
// prints when it served it, and stops after the number of requests given.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

public class HttpEchoServer {
  public static void main(String[] args) throws Exception {
    int expected = Integer.parseInt(args[0]);
    long startNs = System.nanoTime();
    HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
    AtomicInteger served = new AtomicInteger();
    server.createContext(
        "/",
        exchange -> {
          byte[] body = ("hello " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
          }
          long ms = (System.nanoTime() - startNs) / 1_000_000;
          System.out.println("served " + exchange.getRequestURI().getPath() + " at " + ms + " ms");
          if (served.incrementAndGet() == expected) server.stop(0);
        });
    server.start();
    System.out.println("listening");
  }
}
