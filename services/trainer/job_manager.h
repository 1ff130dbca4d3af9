// Copyright (c) 2026 The nbo Authors. MIT License.
//
// JobManager queues training runs and executes them one at a time, in the
// order they were started, on a single worker thread. Every job keeps its
// full event history so that a watcher that arrives late still sees every
// iteration, then the terminal state. Finished jobs are retained up to a
// bound, oldest dropped first.
//
// No gRPC types here: TrainerServiceImpl translates at the edge. The manager
// owns its jobs and its worker thread; every method is thread-safe.

#ifndef NBO_SERVICES_TRAINER_JOB_MANAGER_H_
#define NBO_SERVICES_TRAINER_JOB_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/trainer/training_run.h"

namespace nbo::trainer {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

// True for kSucceeded, kFailed and kCancelled.
bool IsTerminal(JobState state);

// One entry of a job's history.
struct JobEvent {
  // False: `progress` is one event reported by the run. True: the job has
  // ended; `state` is terminal and `progress.message` says why when it did
  // not succeed. The finished event is always the last one.
  bool finished = false;
  JobState state = JobState::kRunning;
  TrainingEvent progress;
};

// A snapshot of one job, copied out under the manager's lock.
struct JobInfo {
  std::string job_id;
  JobState state = JobState::kQueued;
  TrainingSpec spec;
  absl::Time create_time = absl::InfinitePast();
  // InfinitePast until the job starts / finishes.
  absl::Time start_time = absl::InfinitePast();
  absl::Time finish_time = absl::InfinitePast();
  // The last kIteration event (0 before the first).
  int last_iteration = 0;
  double last_loss = 0;
  // Why the job FAILED or was CANCELLED; OK otherwise.
  absl::Status error;
  // Set once the job SUCCEEDED.
  std::optional<TrainingOutcome> outcome;
};

class JobManager {
 public:
  // RunTraining's signature; production passes RunTraining, tests fakes.
  using RunFn = std::function<absl::StatusOr<TrainingOutcome>(
      const TrainingSpec& spec,
      const std::function<void(const TrainingEvent&)>& on_event,
      const std::function<bool()>& cancelled)>;

  struct Options {
    // Finished jobs kept for Get/List/Watch; older ones are forgotten.
    // Default: 100.
    int max_finished_jobs = 100;
    // Whether to run queued jobs on an owned worker thread. Tests turn it
    // off and run jobs with RunNextForTesting() on a thread of their own.
    // Default: true.
    bool start_worker = true;
    // Source of the jobs' timestamps. Default: absl::Now.
    std::function<absl::Time()> clock;
    // How often a blocked Watch re-checks its `stop` predicate (the client
    // going away is not an event the manager can be woken by).
    // Default: 200ms.
    absl::Duration watch_poll_interval = absl::Milliseconds(200);
  };

  JobManager(RunFn run, Options options);

  // Calls Shutdown().
  ~JobManager();

  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Queues a run of `spec` and returns the new job's id. The spec is taken
  // as is: validation is the caller's.
  std::string Start(TrainingSpec spec) ABSL_LOCKS_EXCLUDED(mu_);

  // NOT_FOUND if `job_id` is unknown or no longer retained.
  absl::StatusOr<JobInfo> Get(const std::string& job_id) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every retained job, oldest first.
  std::vector<JobInfo> List() const ABSL_LOCKS_EXCLUDED(mu_);

  // A queued job is removed from the queue and becomes CANCELLED at once. A
  // running job is asked to stop (its run polls `cancelled`) and is returned
  // still RUNNING; it becomes CANCELLED when the run returns. NOT_FOUND if
  // unknown; FAILED_PRECONDITION if the job has already finished.
  absl::StatusOr<JobInfo> Cancel(const std::string& job_id)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `on_event` with every event of the job so far, then with each new
  // one as it happens, in order, on the calling thread and without the lock
  // held; returns OK after the finished event has been delivered.
  // Returns CANCELLED early when `on_event` returns false or `stop` returns
  // true (checked at least every watch_poll_interval); NOT_FOUND if the job
  // is unknown. Every job ends (Shutdown cancels the rest), so without
  // `stop` this returns once the job has.
  // `stop` may be empty.
  absl::Status Watch(const std::string& job_id,
                     const std::function<bool(const JobEvent&)>& on_event,
                     const std::function<bool()>& stop = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Cancels every queued job, asks the running one to stop, and waits for
  // the worker to finish it (at most one ALS iteration). Jobs started
  // afterwards are CANCELLED at once. Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  // Runs the oldest queued job to completion on the calling thread. Returns
  // false when the queue is empty.
  // REQUIRES: Options::start_worker was false.
  bool RunNextForTesting() ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until job `job_id` is RUNNING or has finished (true), or is
  // unknown (false). Lets tests wait on observed state instead of sleeping.
  bool AwaitStartedForTesting(const std::string& job_id) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Job;

  void WorkerLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Pops the oldest queued job and marks it RUNNING; null when the queue is
  // empty (or, if `wait`, once the manager is stopping).
  std::shared_ptr<Job> TakeNext(bool wait) ABSL_LOCKS_EXCLUDED(mu_);
  void Run(const std::shared_ptr<Job>& job) ABSL_LOCKS_EXCLUDED(mu_);
  // Moves `job` to its terminal state, appends the finished event and
  // applies the retention bound.
  void FinishLocked(Job& job, JobState state, absl::Status error,
                    std::optional<TrainingOutcome> outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<Job> FindLocked(const std::string& job_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  JobInfo SnapshotLocked(const Job& job) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time Now() const;

  const RunFn run_;
  const Options options_;

  mutable absl::Mutex mu_;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Every retained job by id; ids sort in creation order.
  std::map<std::string, std::shared_ptr<Job>> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
  // Finished job ids, oldest first, for the retention bound.
  std::deque<std::string> finished_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Job> running_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread worker_;
  std::once_flag join_once_;
};

}  // namespace nbo::trainer

#endif  // NBO_SERVICES_TRAINER_JOB_MANAGER_H_
