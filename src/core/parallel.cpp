// The thread pool of parallel.h: workers wait for a job, pull task indices from an atomic
// counter alongside the caller, and check in when done. A kernel runs one or two jobs
// per timestep, a fraction of a millisecond apart, and a futex wake-up costs tens of
// microseconds on a virtual machine: so workers and the caller first spin for a short
// while (kSpin pauses, well under a millisecond) and only then sleep on a condition
// variable.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <vector>

namespace recurrent {
namespace core {

namespace {

constexpr int kSpin = 4000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

struct Job {
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t n = 0;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;     // the first exception, under Pool::m
  std::atomic<int> pending{0};  // workers yet to check in
};

thread_local bool in_task = false;

struct Pool {
  std::mutex m;                  // guards everything below
  std::condition_variable wake;  // workers: a new job or stop
  std::condition_variable done;  // caller: the last worker checked in
  std::vector<std::thread> workers;
  Job* job = nullptr;
  uint64_t generation = 0;
  std::atomic<uint64_t> posted{0};  // = generation, for spinning without the lock
  std::atomic<bool> stopping{false};
  int threads = 1;
  std::mutex call;  // one parallel_for (or resize) at a time

  void run_tasks(Job& j) {
    in_task = true;
    for (;;) {
      if (j.failed.load(std::memory_order_relaxed)) break;
      const int64_t t = j.next.fetch_add(1);
      if (t >= j.n) break;
      try {
        (*j.fn)(t);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m);
        if (!j.error) j.error = std::current_exception();
        j.failed = true;
      }
    }
    in_task = false;
  }

  // `seen`: the generation current when the worker was started (an older job is not its own).
  void worker_loop(uint64_t seen) {
    for (;;) {
      for (int i = 0; i < kSpin && posted.load(std::memory_order_acquire) == seen && !stopping.load(); ++i) cpu_relax();
      Job* j;
      {
        std::unique_lock<std::mutex> lk(m);
        wake.wait(lk, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
        j = job;
      }
      run_tasks(*j);
      // the last one wakes the caller; j may be gone once pending is 0
      if (j->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(m);
        done.notify_all();
      }
    }
  }

  // Under `call`.
  void stop() {
    {
      std::lock_guard<std::mutex> lk(m);
      stopping = true;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    std::lock_guard<std::mutex> lk(m);
    stopping = false;
  }

  // Under `call`: threads - 1 workers running (may throw std::system_error).
  void start() {
    const int want = threads - 1;
    if (static_cast<int>(workers.size()) == want) return;
    stop();
    uint64_t now;
    {
      std::lock_guard<std::mutex> lk(m);
      now = generation;
    }
    try {
      for (int i = 0; i < want; ++i) workers.emplace_back([this, now] { worker_loop(now); });
    } catch (...) {
      stop();
      throw;
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers are joined by stop_threads()
  return *p;
}

void serial(int64_t n, const std::function<void(int64_t)>& fn) {
  for (int64_t t = 0; t < n; ++t) fn(t);
}

}  // namespace

void set_num_threads(int n) {
  Pool& p = pool();
  std::lock_guard<std::mutex> lk(p.call);
  n = std::max(1, n);
  if (n == p.threads) return;
  p.stop();
  p.threads = n;
}

int num_threads() { return pool().threads; }

void stop_threads() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lk(p.call);
  p.stop();
}

void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  if (n_tasks <= 0) return;
  Pool& p = pool();
  if (n_tasks == 1 || p.threads <= 1 || in_task) return serial(n_tasks, fn);
  std::unique_lock<std::mutex> call(p.call, std::try_to_lock);
  if (!call.owns_lock() || p.threads <= 1) {
    if (call.owns_lock()) call.unlock();
    return serial(n_tasks, fn);
  }
  try {
    p.start();
  } catch (...) {  // no threads to be had: do the work here
    call.unlock();
    return serial(n_tasks, fn);
  }
  Job j;
  j.fn = &fn;
  j.n = n_tasks;
  {
    std::lock_guard<std::mutex> lk(p.m);
    j.pending.store(static_cast<int>(p.workers.size()));
    p.job = &j;
    ++p.generation;
    p.posted.store(p.generation, std::memory_order_release);
  }
  p.wake.notify_all();
  p.run_tasks(j);
  for (int i = 0; i < kSpin && j.pending.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
  {
    std::unique_lock<std::mutex> lk(p.m);
    p.done.wait(lk, [&] { return j.pending.load(std::memory_order_acquire) == 0; });
    p.job = nullptr;
  }
  if (j.error) std::rethrow_exception(j.error);
}

}  // namespace core
}  // namespace recurrent
