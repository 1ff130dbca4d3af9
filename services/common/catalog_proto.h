// Copyright (c) 2026 The nbo Authors. MIT License.
//
// The one conversion of a products.csv product (lib/data's Product) to the
// API's nbo.v1.Product, for every client that sends a catalog: nbo-trainer
// publishing a model with its catalog, and `nboctl catalog update`.

#ifndef NBO_SERVICES_COMMON_CATALOG_PROTO_H_
#define NBO_SERVICES_COMMON_CATALOG_PROTO_H_

#include "lib/data/product.h"
#include "nbo/v1/common.pb.h"

namespace nbo::services {

// `product` as the API's Product, every term spelled out: business_value is
// always set, offer_type is never OFFER_TYPE_UNSPECIFIED, an unset
// eligibility bound stays unset, and contact_policy is set (scope included)
// exactly when the product has its own. Since every product sent this way
// carries rules, a publish replaces the server's rules for it rather than
// keeping them (docs/decisioning.md).
v1::Product ToProto(const data::Product& product);

}  // namespace nbo::services

#endif  // NBO_SERVICES_COMMON_CATALOG_PROTO_H_
