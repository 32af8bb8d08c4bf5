// Threads that never block for long: workers allocate enough to run the
// collector many times (each collection is a safepoint every thread must
// reach), while the main thread busy-waits on System.nanoTime for 200 ms.
import java.util.ArrayList;
import java.util.List;

public class Busy {
  static volatile long sink;

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      Thread t =
          new Thread(
              () -> {
                long sum = 0;
                for (int i = 0; i < 200_000; i++) {
                  byte[] chunk = new byte[1024 + (i % 7) * 512];
                  sum += chunk.length;
                }
                sink += sum;
              });
      t.start();
      workers.add(t);
    }
    long spins = 0;
    while (System.nanoTime() - start < 200_000_000L) spins++;
    System.out.println("spun " + (System.nanoTime() - start) / 1_000_000 + " ms, " + (spins > 0));
    for (Thread t : workers) t.join();
    System.out.println("workers done, allocated " + sink + " bytes");
  }
}
