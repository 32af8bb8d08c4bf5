// java.net.http.HttpClient: GETs /r0, /r1, ... from http://<host>:8080 one
// after another and prints each answer with the simulated time it came.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class HttpEchoClient {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int requests = Integer.parseInt(args[1]);
    long startNs = System.nanoTime();
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < requests; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":8080/r" + i)).build();
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      long ms = (System.nanoTime() - startNs) / 1_000_000;
      System.out.println(response.statusCode() + " " + response.body() + " at " + ms + " ms");
    }
  }
}
