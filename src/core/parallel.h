// A small persistent thread pool for the kernels: one thread (the caller's) unless the
// user asks for more. Standard library only; tasks never call into R.
#pragma once

#include <cstdint>
#include <functional>

namespace recurrent {
namespace core {

// Threads the kernels may use, counting the calling thread (1 = no worker threads).
// Changing it stops the current workers; new ones start on the next parallel_for.
// Must not be called from inside a task.
void set_num_threads(int n);
int num_threads();

// Runs fn(0) ... fn(n_tasks - 1) on the workers and the calling thread and returns when
// all are done. With one thread, inside a task (nested call) or while another thread
// holds the pool, it just loops on the calling thread. The first exception a task
// throws is rethrown here once every started task has finished; tasks not yet started
// are then skipped.
void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn);

// Joins the worker threads (the thread count stays as set): used when the shared
// library is unloaded.
void stop_threads();

}  // namespace core
}  // namespace recurrent
