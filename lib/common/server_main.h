// Copyright (c) 2026 The nbo Authors. MIT License.
//
// What the main() of every long-running nbo binary does first, once:
// parse the flags, then NBO_<FLAG> from the environment; turn off absl's
// mutex deadlock detector (Debian builds Abseil without NDEBUG, which leaves
// it on: a graph update per lock; the tests keep it and clang's
// -Wthread-safety checks lock order); and block SIGTERM and SIGINT in every
// thread so that main can sigwait() for them.

#ifndef NBO_LIB_COMMON_SERVER_MAIN_H_
#define NBO_LIB_COMMON_SERVER_MAIN_H_

#include <signal.h>

namespace nbo::common {

// Returns false after printing "<program>: <why>" to stderr if an NBO_*
// variable does not parse; main then exits with 2. On success `signals`
// holds SIGTERM and SIGINT, blocked, for sigwait().
// REQUIRES: called before any thread is started.
bool InitServerMain(int argc, char** argv, const char* program,
                    const char* usage, sigset_t* signals);

}  // namespace nbo::common

#endif  // NBO_LIB_COMMON_SERVER_MAIN_H_
