// Copyright (c) 2026 The nbo Authors. MIT License.
//
// Fuzzes transactions.csv as nbo-trainer reads it (ReadBankData); the
// properties are in bank_csv_fuzz.cc.

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/bank_csv_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nbo::fuzz::FuzzBankData(nbo::fuzz::BankFile::kTransactions, data, size);
  return 0;
}
