#!/usr/bin/env python3
"""Writes the publish_fuzzer seed corpus: PublishModel streams, each a file of
length-delimited PublishModelRequest messages (a varint length, then the
message), encoded from the text protos below with protoc --encode.

  tests/fuzz/make_publish_seeds.py   (from the repository root; rewrites
                                      tests/fuzz/corpus/publish_fuzzer/)
"""
import os
import subprocess
import sys

GOOGLEAPIS = ("/usr/share/gocode/src/github.com/grpc-ecosystem/grpc-gateway/"
              "third_party/googleapis")

HEADER = """header {
  model_name: "nbo" version: 1 rank: 2
  catalog { product_id: "P01" name: "Saver" category: "savings" }
  catalog { product_id: "P02" name: "Gold Card" category: "cards"
            business_value: 2.5
            eligibility { min_age: 21 segments: "mass" kyc_required: true }
            contact_policy { max_declines: 2 suppression_days: 30 } }
  metadata { description: "seed" labels { key: "trainer" value: "als" }
             metrics { key: "map@7" value: 0.25 } calibration_a: 1 }
}"""
ITEMS = """item_factors {
  rows { id: "P01" values: 1 values: 0 }
  rows { id: "P02" values: 0 values: 0.5 }
}"""
CUSTOMERS = """customer_factors {
  rows { id: "C0000001" values: 0.1 values: -0.2 }
  rows { id: "C0000002" values: 1e-3 values: 3 }
}"""
COMMIT = "commit { expected_product_count: 2 expected_customer_count: 2 }"

# name -> the messages of one stream, in order.
STREAMS = {
    "complete": [HEADER, ITEMS, CUSTOMERS, COMMIT],
    "no_customers_explicit_popularity": [
        HEADER.replace('metadata {',
                       'popularity { key: "P01" value: 0.7 } metadata {'),
        ITEMS, "commit {}"],
    "two_customer_chunks": [HEADER, ITEMS, CUSTOMERS,
                            CUSTOMERS.replace("C000000", "C100000"), COMMIT],
    "no_commit": [HEADER, ITEMS, CUSTOMERS],
    "missing_item": [HEADER, 'item_factors { rows { id: "P01" values: 1 values: 0 } }',
                     COMMIT],
    "wrong_rank": [HEADER, 'item_factors { rows { id: "P01" values: 1 } }'],
    "nan_value": [HEADER, 'item_factors { rows { id: "P01" values: nan values: 0 } }'],
    "bad_customer_id": [HEADER, ITEMS,
                        'customer_factors { rows { id: "" values: 1 values: 1 } }'],
    "out_of_order": [ITEMS, HEADER],
    "bad_header": ['header { model_name: "no spaces" version: -1 rank: 0 }'],
    "huge_version": [HEADER.replace("version: 1", "version: 9223372036854775807"),
                     ITEMS, COMMIT],
    "bad_rule": [HEADER.replace("business_value: 2.5", "business_value: -1")],
    "count_mismatch": [HEADER, ITEMS, CUSTOMERS,
                       "commit { expected_customer_count: 3 }"],
    "after_commit": [HEADER, ITEMS, COMMIT, ITEMS],
}


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode(text):
    return subprocess.run(
        ["protoc", "--encode=nbo.v1.PublishModelRequest", "-Iproto",
         "-I" + GOOGLEAPIS, "proto/nbo/v1/model_service.proto"],
        input=text.encode(), stdout=subprocess.PIPE, check=True).stdout


def main():
    out_dir = "tests/fuzz/corpus/publish_fuzzer"
    os.makedirs(out_dir, exist_ok=True)
    for name, messages in STREAMS.items():
        data = b"".join(varint(len(m)) + m for m in map(encode, messages))
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
