// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The body of the three bank CSV fuzz targets (customers_csv_fuzzer,
// products_csv_fuzzer, transactions_csv_fuzzer): one of the bank's files
// comes from the fuzzer, the other two are small valid files, and
// ReadBankData reads them all, as nbo-trainer does.

#ifndef NBO_TESTS_FUZZ_BANK_CSV_FUZZ_H_
#define NBO_TESTS_FUZZ_BANK_CSV_FUZZ_H_

#include <cstddef>
#include <cstdint>

namespace nbo::fuzz {

// Which of the bank's files the fuzzer writes.
enum class BankFile { kCustomers, kProducts, kTransactions };

// Reads the bank data with `file` holding `data`, strictly and then
// skipping every bad row, and checks what the two reads must agree on
// (bank_csv_fuzz.cc). Aborts on a broken property.
void FuzzBankData(BankFile file, const uint8_t* data, size_t size);

}  // namespace nbo::fuzz

#endif  // NBO_TESTS_FUZZ_BANK_CSV_FUZZ_H_
