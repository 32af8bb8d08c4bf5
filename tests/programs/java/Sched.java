// Timers and futures of java.util.concurrent in simulated time: a fixed-rate
// task, futures that sleep on pool threads, a delayed executor. Each line says
// how many simulated milliseconds after the start it was printed.
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

public class Sched {
  static final long START_NS = System.nanoTime();

  static void print(String what) {
    System.out.println((System.nanoTime() - START_NS) / 1_000_000 + " ms " + what);
  }

  static String after(long ms, String value) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new RuntimeException(e);
    }
    print("slept " + ms + " for " + value);
    return value;
  }

  public static void main(String[] args) throws Exception {
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(2);
    CountDownLatch ticks = new CountDownLatch(5);
    ScheduledFuture<?> ticker =
        pool.scheduleAtFixedRate(
            () -> {
              print("tick " + (5 - ticks.getCount()));
              ticks.countDown();
            },
            100,
            200,
            TimeUnit.MILLISECONDS);
    ticks.await();
    ticker.cancel(false);
    print("ticks done");

    CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> after(300, "a"), pool);
    CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> after(500, "b"));
    CompletableFuture<String> joined =
        a.thenCombine(b, (x, y) -> x + y)
            .thenApplyAsync(s -> s + "c", CompletableFuture.delayedExecutor(250, TimeUnit.MILLISECONDS));
    print("result " + joined.get());

    ScheduledFuture<String> once = pool.schedule(() -> "late", 1, TimeUnit.SECONDS);
    print("scheduled " + once.get());
    pool.shutdown();
    print("terminated " + pool.awaitTermination(5, TimeUnit.SECONDS));
  }
}
