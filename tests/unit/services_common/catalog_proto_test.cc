// Copyright (c) 2026 The nbo Authors. MIT License.

#include "services/common/catalog_proto.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nbo::services {
namespace {

using ::testing::ElementsAre;

TEST(CatalogProtoTest, SpellsOutEveryTermOfAProduct) {
  data::Product product;
  product.product_id = "P02";
  product.name = "Gold Card";
  product.category = "cards";
  product.business_value = 2.5;
  product.eligibility.min_age = 21;
  product.eligibility.max_age = 70;
  product.eligibility.min_income = 15000;
  product.eligibility.segments = {"mass", "affluent"};
  product.eligibility.min_credit_score = 620;
  product.eligibility.kyc_required = true;
  product.offer_type = data::OfferType::kTransactional;
  product.contact_policy =
      data::ContactPolicy{3, 7, 14, data::ContactScope::kCategory};

  const v1::Product out = ToProto(product);
  EXPECT_EQ(out.product_id(), "P02");
  EXPECT_EQ(out.name(), "Gold Card");
  EXPECT_EQ(out.category(), "cards");
  EXPECT_EQ(out.business_value(), 2.5);
  EXPECT_EQ(out.offer_type(), v1::OFFER_TYPE_TRANSACTIONAL);
  const v1::EligibilityRules& rules = out.eligibility();
  EXPECT_EQ(rules.min_age(), 21);
  EXPECT_EQ(rules.max_age(), 70);
  EXPECT_EQ(rules.min_income(), 15000);
  EXPECT_THAT(rules.segments(), ElementsAre("mass", "affluent"));
  EXPECT_EQ(rules.min_credit_score(), 620);
  EXPECT_TRUE(rules.kyc_required());
  ASSERT_TRUE(out.has_contact_policy());
  EXPECT_EQ(out.contact_policy().max_declines(), 3);
  EXPECT_EQ(out.contact_policy().max_impressions(), 7);
  EXPECT_EQ(out.contact_policy().suppression_days(), 14);
  EXPECT_EQ(out.contact_policy().scope(), v1::CONTACT_SCOPE_CATEGORY);
}

TEST(CatalogProtoTest, LeavesUnsetWhatTheProductDoesNotSay) {
  data::Product product;
  product.product_id = "P01";
  const v1::Product out = ToProto(product);
  // Set, so that a publish replaces an older catalog's terms.
  EXPECT_TRUE(out.has_business_value());
  EXPECT_EQ(out.business_value(), 1.0);
  EXPECT_EQ(out.offer_type(), v1::OFFER_TYPE_DEFAULT);
  EXPECT_FALSE(out.eligibility().has_min_age());
  EXPECT_FALSE(out.eligibility().has_max_age());
  EXPECT_FALSE(out.eligibility().has_min_income());
  EXPECT_FALSE(out.eligibility().has_min_credit_score());
  EXPECT_THAT(out.eligibility().segments(), ::testing::IsEmpty());
  EXPECT_FALSE(out.eligibility().kyc_required());
  EXPECT_FALSE(out.has_contact_policy());
}

TEST(CatalogProtoTest, NamesEachOfferTypeAndScope) {
  data::Product product;
  product.offer_type = data::OfferType::kMandatory;
  EXPECT_EQ(ToProto(product).offer_type(), v1::OFFER_TYPE_MANDATORY);
  product.offer_type = data::OfferType::kDefault;
  EXPECT_EQ(ToProto(product).offer_type(), v1::OFFER_TYPE_DEFAULT);
  product.contact_policy = data::ContactPolicy{};
  EXPECT_EQ(ToProto(product).contact_policy().scope(),
            v1::CONTACT_SCOPE_PRODUCT);
}

}  // namespace
}  // namespace nbo::services
