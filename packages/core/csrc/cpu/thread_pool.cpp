// SPDX-License-Identifier: BSD-3-Clause
#include "thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../tensor/errors.h"

namespace ember {
namespace {

thread_local bool t_in_worker = false;

// Note [Pool wake-up]
// Waking a thread blocked on a condition variable costs tens of microseconds
// on small VMs, more than a mid-sized op takes. Workers (and the caller
// waiting for them) therefore spin for a short while before blocking, so
// back-to-back parallel ops find them awake; a thread that stays idle past
// kSpin sleeps and costs nothing.
constexpr auto kSpin = std::chrono::microseconds(100);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Spins until pred() holds or kSpin passes; returns pred().
template <typename Pred>
bool spin_until(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return pred();
  }
}

class Pool {
 public:
  explicit Pool(int nthreads) : nthreads_(nthreads) {
    for (int i = 1; i < nthreads; ++i)
      workers_.emplace_back([this, i] { worker_loop(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true);
      generation_.fetch_add(1);
    }
    cv_work_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return nthreads_; }

  // Runs task(i) for i in [0, n) with i = 0 on the calling thread.
  void run(int n, const std::function<void(int)>& task) {
    std::lock_guard<std::mutex> serial(run_mu_);
    task_ = &task;
    active_ = n;
    error_ = nullptr;
    pending_.store(n - 1, std::memory_order_relaxed);
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
      wake = sleepers_ > 0;
    }
    if (wake) cv_work_.notify_all();
    run_guarded(0);
    auto done = [this] { return pending_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(done)) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_done_.wait(lock, done);
    }
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_guarded(int i) {
    try {
      (*task_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }
  void worker_loop(int id) {
    t_in_worker = true;
    int64_t seen = 0;
    for (;;) {
      auto news = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(news)) {
        std::unique_lock<std::mutex> lock(mu_);
        ++sleepers_;
        cv_work_.wait(lock, news);
        --sleepers_;
      }
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      if (id >= active_) continue;
      run_guarded(id);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);  // the caller checks under mu_ before it blocks
        cv_done_.notify_one();
      }
    }
  }

  int nthreads_;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable cv_work_, cv_done_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<int64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  int active_ = 0;
  int sleepers_ = 0;  // guarded by mu_
  std::exception_ptr error_;
};

int default_num_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

std::mutex g_pool_mu;
Pool* g_pool = nullptr;
int g_num_threads = 0;  // 0: not chosen yet

void forget_pool_in_child() {
  // The child has none of the parent's threads: drop the pool without
  // joining (its memory leaks once per fork) and re-create it lazily.
  g_pool = nullptr;
  new (&g_pool_mu) std::mutex();
}

Pool& pool() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  if (g_pool == nullptr) {
    static bool registered = [] {
      pthread_atfork(nullptr, nullptr, forget_pool_in_child);
      return true;
    }();
    (void)registered;
    if (g_num_threads == 0) g_num_threads = default_num_threads();
    g_pool = new Pool(g_num_threads);
  }
  return *g_pool;
}

}  // namespace

int get_num_threads() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  return g_num_threads == 0 ? default_num_threads() : g_num_threads;
}

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "set_num_threads expects a positive integer, got ", n);
  Pool* old;
  {
    std::lock_guard<std::mutex> lock(g_pool_mu);
    old = g_pool;
    g_pool = nullptr;
    g_num_threads = n;
  }
  delete old;
}

bool in_parallel_region() { return t_in_worker; }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  if (n <= grain || t_in_worker) {
    fn(begin, end);
    return;
  }
  Pool& p = pool();
  int64_t nchunks = std::min<int64_t>(p.size(), (n + grain - 1) / grain);
  if (nchunks <= 1) {
    fn(begin, end);
    return;
  }
  int64_t chunk = (n + nchunks - 1) / nchunks;
  p.run(static_cast<int>(nchunks), [&](int i) {
    int64_t b = begin + i * chunk;
    int64_t e = std::min(end, b + chunk);
    if (b < e) fn(b, e);
  });
}

}  // namespace ember
