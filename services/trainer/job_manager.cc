// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/trainer/job_manager.h"

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/quote.h"

namespace nbo::trainer {

bool IsTerminal(JobState state) {
  return state == JobState::kSucceeded || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

struct JobManager::Job {
  std::string id;
  TrainingSpec spec;
  JobState state = JobState::kQueued;
  absl::Time create_time = absl::InfinitePast();
  absl::Time start_time = absl::InfinitePast();
  absl::Time finish_time = absl::InfinitePast();
  int last_iteration = 0;
  double last_loss = 0;
  absl::Status error;
  std::optional<TrainingOutcome> outcome;
  // Grows only; watchers index into it. Guarded by the manager's mu_.
  std::vector<JobEvent> events;
  // Read by the run without the manager's lock, once per iteration.
  std::atomic<bool> cancel_requested{false};
};

JobManager::JobManager(RunFn run, Options options)
    : run_(std::move(run)), options_(std::move(options)) {
  if (options_.start_worker) {
    worker_ = std::thread([this] { WorkerLoop(); });
  }
}

JobManager::~JobManager() { Shutdown(); }

void JobManager::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    while (!queue_.empty()) {
      std::shared_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      FinishLocked(*job, JobState::kCancelled,
                   absl::CancelledError("the trainer is shutting down"),
                   std::nullopt);
    }
    if (running_ != nullptr) running_->cancel_requested = true;
  }
  std::call_once(join_once_, [this] {
    if (worker_.joinable()) worker_.join();
  });
}

absl::Time JobManager::Now() const {
  return options_.clock ? options_.clock() : absl::Now();
}

std::string JobManager::Start(TrainingSpec spec) {
  auto job = std::make_shared<Job>();
  job->spec = std::move(spec);
  job->create_time = Now();
  absl::MutexLock lock(&mu_);
  // Zero-padded so that the map's order is the creation order.
  job->id = absl::StrFormat("job-%08d", next_id_++);
  if (stopping_) {
    jobs_[job->id] = job;
    FinishLocked(*job, JobState::kCancelled,
                 absl::CancelledError("the trainer is shutting down"),
                 std::nullopt);
    return job->id;
  }
  jobs_[job->id] = job;
  queue_.push_back(job);
  return job->id;
}

std::shared_ptr<JobManager::Job> JobManager::FindLocked(
    const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : it->second;
}

JobInfo JobManager::SnapshotLocked(const Job& job) const {
  JobInfo info;
  info.job_id = job.id;
  info.state = job.state;
  info.spec = job.spec;
  info.create_time = job.create_time;
  info.start_time = job.start_time;
  info.finish_time = job.finish_time;
  info.last_iteration = job.last_iteration;
  info.last_loss = job.last_loss;
  info.error = job.error;
  info.outcome = job.outcome;
  return info;
}

absl::StatusOr<JobInfo> JobManager::Get(const std::string& job_id) const {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> job = FindLocked(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no job ", common::QuoteForError(job_id)));
  }
  return SnapshotLocked(*job);
}

std::vector<JobInfo> JobManager::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<JobInfo> out;
  out.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) out.push_back(SnapshotLocked(*job));
  return out;
}

absl::StatusOr<JobInfo> JobManager::Cancel(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> job = FindLocked(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no job ", common::QuoteForError(job_id)));
  }
  switch (job->state) {
    case JobState::kQueued:
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (*it == job) {
          queue_.erase(it);
          break;
        }
      }
      FinishLocked(*job, JobState::kCancelled,
                   absl::CancelledError("cancelled before it started"),
                   std::nullopt);
      break;
    case JobState::kRunning:
      job->cancel_requested = true;
      break;
    default:
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", common::QuoteForError(job_id), " has already finished"));
  }
  return SnapshotLocked(*job);
}

void JobManager::FinishLocked(Job& job, JobState state, absl::Status error,
                              std::optional<TrainingOutcome> outcome) {
  job.state = state;
  job.finish_time = Now();
  job.error = std::move(error);
  job.outcome = std::move(outcome);
  JobEvent event;
  event.finished = true;
  event.state = state;
  event.progress.phase = "finished";
  event.progress.message = std::string(job.error.message());
  job.events.push_back(std::move(event));

  finished_.push_back(job.id);
  while (static_cast<int>(finished_.size()) > options_.max_finished_jobs) {
    // Watchers of a forgotten job hold their own reference and still see
    // its end.
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

std::shared_ptr<JobManager::Job> JobManager::TakeNext(bool wait) {
  absl::MutexLock lock(&mu_);
  if (wait) {
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || !queue_.empty();
    };
    mu_.Await(absl::Condition(&ready));
    if (stopping_) return nullptr;
  }
  if (queue_.empty()) return nullptr;
  std::shared_ptr<Job> job = std::move(queue_.front());
  queue_.pop_front();
  job->state = JobState::kRunning;
  job->start_time = Now();
  running_ = job;
  return job;
}

void JobManager::Run(const std::shared_ptr<Job>& job) {
  auto on_event = [this, &job](const TrainingEvent& progress) {
    absl::MutexLock lock(&mu_);
    if (progress.kind == TrainingEvent::Kind::kIteration) {
      job->last_iteration = progress.iteration;
      job->last_loss = progress.loss;
    }
    JobEvent event;
    event.state = JobState::kRunning;
    event.progress = progress;
    job->events.push_back(std::move(event));
  };
  auto cancelled = [&job] { return job->cancel_requested.load(); };
  // The run is the slow part: no lock held across it.
  absl::StatusOr<TrainingOutcome> result = run_(job->spec, on_event, cancelled);

  absl::MutexLock lock(&mu_);
  running_ = nullptr;
  if (result.ok()) {
    // A run that finished despite a late cancel did finish: report it.
    FinishLocked(*job, JobState::kSucceeded, absl::OkStatus(),
                 *std::move(result));
  } else if (result.status().code() == absl::StatusCode::kCancelled ||
             job->cancel_requested) {
    FinishLocked(*job, JobState::kCancelled, result.status(), std::nullopt);
  } else {
    FinishLocked(*job, JobState::kFailed, result.status(), std::nullopt);
  }
}

void JobManager::WorkerLoop() {
  while (std::shared_ptr<Job> job = TakeNext(/*wait=*/true)) Run(job);
}

bool JobManager::RunNextForTesting() {
  std::shared_ptr<Job> job = TakeNext(/*wait=*/false);
  if (job == nullptr) return false;
  Run(job);
  return true;
}

bool JobManager::AwaitStartedForTesting(const std::string& job_id) const {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> job = FindLocked(job_id);
  if (job == nullptr) return false;
  auto started = [&job]() { return job->state != JobState::kQueued; };
  mu_.Await(absl::Condition(&started));
  return true;
}

absl::Status JobManager::Watch(
    const std::string& job_id,
    const std::function<bool(const JobEvent&)>& on_event,
    const std::function<bool()>& stop) {
  std::shared_ptr<Job> job;
  {
    absl::MutexLock lock(&mu_);
    job = FindLocked(job_id);
  }
  if (job == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no job ", common::QuoteForError(job_id)));
  }
  size_t next = 0;
  std::vector<JobEvent> batch;
  while (true) {
    batch.clear();
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&job, next]() { return job->events.size() > next; };
      while (!mu_.AwaitWithTimeout(absl::Condition(&ready),
                                   options_.watch_poll_interval)) {
        if (stop && stop()) return absl::CancelledError("watcher went away");
      }
      batch.assign(job->events.begin() + next, job->events.end());
      next = job->events.size();
    }
    for (const JobEvent& event : batch) {
      if (!on_event(event)) return absl::CancelledError("watcher went away");
      if (event.finished) return absl::OkStatus();
    }
    if (stop && stop()) return absl::CancelledError("watcher went away");
  }
}

}  // namespace nbo::trainer
