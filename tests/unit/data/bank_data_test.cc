// Copyright (c) 2026 The nbo Authors. MIT License.

#include "lib/data/bank_data.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/status_matchers.h"
#include "lib/testing/temp_dir.h"

namespace nbo::data {
namespace {

using ::nbo::testing::IsOk;
using ::nbo::testing::StatusIs;
using ::nbo::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kProducts[] =
    "product_id,name,category\nP01,Saver,savings\n"
    "P02,Card,cards\n";
constexpr char kCustomers[] =
    "customer_id,age,income,segment,credit_score\n"
    "C1,30,50000,mass,700\nC2,22,9000,student,610\n";
constexpr char kHeader[] = "customer_id,product_id,event,timestamp,amount\n";

std::string WriteFile(const TempDir& dir, const std::string& name,
                      const std::string& contents) {
  const std::string path = dir.Sub(name);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  std::fwrite(contents.data(), 1, contents.size(), file);
  std::fclose(file);
  return path;
}

// Options naming the three files written into `dir`; no customers.csv when
// `customers` is null.
BankDataOptions Files(const TempDir& dir, const char* customers,
                      const std::string& products,
                      const std::string& transactions) {
  BankDataOptions options;
  if (customers != nullptr) {
    options.customers_path = WriteFile(dir, "customers.csv", customers);
  }
  options.products_path = WriteFile(dir, "products.csv", products);
  options.transactions_path = WriteFile(dir, "transactions.csv", transactions);
  return options;
}

MATCHER_P5(InteractionIs, customer, product, event, weight, seconds, "") {
  return arg.customer == customer && arg.product == product &&
         arg.event == event && arg.weight == weight &&
         arg.unix_seconds == seconds;
}

TEST(BankDataTest, ReadsMinimalFilesWithoutCustomersOrAmounts) {
  TempDir dir;
  const BankDataOptions options =
      Files(dir, nullptr, kProducts,
            "customer_id,product_id,event,timestamp\n"
            "C9,P02,view,2024-03-01T10:00:00Z\n"
            "C7,P01,open,1709287200\n"
            "C9,P02,apply,1709290800\n");
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_THAT(data.customer_ids, ElementsAre("C9", "C7"));
  EXPECT_THAT(data.customers, IsEmpty());
  ASSERT_EQ(data.products.size(), 2u);
  EXPECT_EQ(data.products[1].product_id, "P02");
  EXPECT_EQ(data.products[1].business_value, 1.0);
  EXPECT_FALSE(data.products[1].eligibility.min_age.has_value());
  EXPECT_THAT(data.products[1].eligibility.segments, IsEmpty());
  EXPECT_FALSE(data.products[1].eligibility.kyc_required);
  EXPECT_THAT(
      data.interactions,
      ElementsAre(InteractionIs(0, 1, Event::kView, 1.0f, 1709287200),
                  InteractionIs(1, 0, Event::kOpen, 5.0f, 1709287200),
                  InteractionIs(0, 1, Event::kApply, 2.0f, 1709290800)));
  EXPECT_EQ(data.skipped_rows(), 0);
}

TEST(BankDataTest, ReadsCustomerAttributesAndProductTerms) {
  TempDir dir;
  const BankDataOptions options = Files(
      dir,
      "region,customer_id,age,income,segment,credit_score,kyc\n"
      "north,C1,30,50000.5,mass,700,yes\n"
      "south,C2,,,,,no\n"
      "east,C3,70,0,private,800,\n",
      "product_id,name,category,business_value,min_age,max_age,min_income,"
      "segments,min_credit_score,kyc_required,notes\n"
      "P01,\"Saver, plus\",savings,,,,,,,,x\n"
      "P02,Card,cards,2.5,18,70,15000,mass; affluent,600,true,\n",
      std::string(kHeader) +
          "C1,P02,purchase,2024-03-01T10:00:00+01:00,99.5\n");
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  // Every customer of customers.csv is indexed, with or without transactions.
  EXPECT_THAT(data.customer_ids, ElementsAre("C1", "C2", "C3"));
  EXPECT_THAT(data.attribute_names, ElementsAre("region", "kyc"));
  ASSERT_EQ(data.customers.size(), 3u);
  EXPECT_EQ(data.customers[0].age, 30);
  EXPECT_EQ(data.customers[0].income, 50000.5);
  EXPECT_EQ(data.customers[0].segment, "mass");
  EXPECT_EQ(data.customers[0].credit_score, 700);
  EXPECT_THAT(data.customers[0].attributes, ElementsAre("north", "yes"));
  EXPECT_FALSE(data.customers[1].age.has_value());
  EXPECT_FALSE(data.customers[1].income.has_value());
  EXPECT_EQ(data.customers[1].segment, "");
  EXPECT_EQ(data.products[0].name, "Saver, plus");
  EXPECT_EQ(data.products[0].business_value, 1.0);
  const Product& card = data.products[1];
  EXPECT_EQ(card.business_value, 2.5);
  EXPECT_EQ(card.eligibility.min_age, 18);
  EXPECT_EQ(card.eligibility.max_age, 70);
  EXPECT_EQ(card.eligibility.min_income, 15000);
  EXPECT_THAT(card.eligibility.segments, ElementsAre("mass", "affluent"));
  EXPECT_EQ(card.eligibility.min_credit_score, 600);
  EXPECT_TRUE(card.eligibility.kyc_required);
  EXPECT_THAT(data.interactions,
              ElementsAre(InteractionIs(0, 1, Event::kPurchase, 5.0f,
                                        1709287200 - 3600)));
}

struct BadRowCase {
  // Which file gets the bad row: 'c'ustomers, 'p'roducts or 't'ransactions.
  char file;
  std::string row;
  std::string message;
};

TEST(BankDataTest, EachMalformedRowIsInvalidArgumentNamingFileAndLine) {
  const BadRowCase cases[] = {
      {'c', "C3,40,1000,mass",
       "customers.csv:4: row has 4 fields but the "
       "header has 5"},
      {'c', ",40,1000,mass,700", "customers.csv:4: empty customer_id"},
      {'c', "C1,40,1000,mass,700",
       "customers.csv:4: duplicate customer_id (first at line 2)"},
      {'c', "C3,forty,1000,mass,700",
       "customers.csv:4: age 'forty' is not an integer"},
      {'c', "C3,-1,1000,mass,700", "customers.csv:4: age -1 is negative"},
      {'c', "C3,40,-5,mass,700", "customers.csv:4: income -5 is negative"},
      {'c', "C3,40,1000,mass,7.5",
       "customers.csv:4: credit_score '7.5' is not an integer"},
      {'p', "P01,Again,savings",
       "products.csv:4: duplicate product_id 'P01' (first at line 2)"},
      {'p', ",Nameless,savings", "products.csv:4: empty product_id"},
      {'t', "C1,P01,view",
       "transactions.csv:2: row has 3 fields but the "
       "header has 4"},
      {'t', "C5,P01,view,1709287200",
       "transactions.csv:2: customer_id not in "},
      {'t', "C1,P99,view,1709287200",
       "transactions.csv:2: unknown product_id 'P99'"},
      {'t', "C1,,view,1709287200", "transactions.csv:2: empty product_id"},
      {'t', "C1,P01,like,1709287200",
       "transactions.csv:2: unknown event 'like' (known: view, apply, "
       "purchase, open, close, accept, decline)"},
      {'t', "C1,P01,view,2024-02-30T10:00:00Z",
       "transactions.csv:2: bad timestamp '2024-02-30T10:00:00Z': no such "
       "date"},
      {'t', "C1,P01,view,2024-03-01 10:00",
       "transactions.csv:2: bad timestamp '2024-03-01 10:00': no THH:MM:SS"},
      {'t', "C1,P01,view,2024-03-01T10:00:00",
       "transactions.csv:2: bad timestamp '2024-03-01T10:00:00': no time "
       "zone"},
      {'t', "C1,P01,view,yesterday",
       "transactions.csv:2: bad timestamp 'yesterday'"},
      // Milliseconds where seconds belong.
      {'t', "C1,P01,view,1709287200000",
       "transactions.csv:2: timestamp '1709287200000' is outside "
       "[1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"},
      {'t', "C1,P01,view,-1", "transactions.csv:2: timestamp '-1' is outside"},
  };
  for (const BadRowCase& c : cases) {
    SCOPED_TRACE(c.row);
    TempDir dir;
    std::string customers = kCustomers;
    std::string products = std::string(kProducts);
    std::string transactions = "customer_id,product_id,event,timestamp\n";
    if (c.file == 'c') customers += c.row + "\n";
    if (c.file == 'p') products += c.row + "\n";
    if (c.file == 't') transactions += c.row + "\n";
    EXPECT_THAT(
        ReadBankData(Files(dir, customers.c_str(), products, transactions)),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(dir.Sub(c.message))));
  }
}

TEST(BankDataTest, MalformedProductTermsAreBadRows) {
  const BadRowCase cases[] = {
      {'p', "P03,X,y,-2,,,,,,",
       "products.csv:3: business_value -2 is negative"},
      {'p', "P03,X,y,abc,,,,,,",
       "products.csv:3: business_value 'abc' is not a finite number"},
      {'p', "P03,X,y,1,30,20,,,,",
       "products.csv:3: min_age 30 is above max_age 20"},
      {'p', "P03,X,y,1,,,-100,,,",
       "products.csv:3: min_income -100 is negative"},
      {'p', "P03,X,y,1,,,,,,maybe",
       "products.csv:3: kyc_required 'maybe' is not true/false/1/0/yes/no"},
  };
  for (const BadRowCase& c : cases) {
    SCOPED_TRACE(c.row);
    TempDir dir;
    const std::string products =
        "product_id,name,category,business_value,min_age,max_age,min_income,"
        "segments,min_credit_score,kyc_required\nP01,A,b,1,,,,,,\n" +
        c.row + "\n";
    EXPECT_THAT(
        ReadBankData(Files(dir, nullptr, products, std::string(kHeader))),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(dir.Sub(c.message))));
  }
}

TEST(BankDataTest, NegativeAmountIsABadRow) {
  TempDir dir;
  EXPECT_THAT(
      ReadBankData(Files(dir, nullptr, kProducts,
                         std::string(kHeader) + "C1,P01,open,1709287200,0\n" +
                             "C1,P01,open,1709287200,-10.5\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(dir.Sub("transactions.csv:3: amount -10.5 is "
                                 "negative"))));
}

TEST(BankDataTest, MaxBadRowsSkipsRowsAndCountsThem) {
  TempDir dir;
  BankDataOptions options =
      Files(dir, kCustomers, std::string(kProducts) + "P01,Again,savings\n",
            "customer_id,product_id,event,timestamp\n"
            "C1,P01,view,1709287200\n"
            "C1,P01,wink,1709287200\n"
            "C1,P02\n"
            "C2,P02,open,1709287300\n");
  std::vector<std::string> reported;
  options.on_bad_row = [&](const absl::Status& status) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    reported.emplace_back(status.message());
  };

  options.max_bad_rows = 3;
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_EQ(data.skipped_customer_rows, 0);
  EXPECT_EQ(data.skipped_product_rows, 1);
  EXPECT_EQ(data.skipped_transaction_rows, 2);
  EXPECT_EQ(data.skipped_rows(), 3);
  EXPECT_EQ(data.products.size(), 2u);
  EXPECT_THAT(data.interactions,
              ElementsAre(InteractionIs(0, 0, Event::kView, 1.0f, 1709287200),
                          InteractionIs(1, 1, Event::kOpen, 5.0f, 1709287300)));
  EXPECT_THAT(reported,
              ElementsAre(HasSubstr("products.csv:4: duplicate product_id"),
                          HasSubstr("transactions.csv:3: unknown event"),
                          HasSubstr("transactions.csv:4: row has 2 fields")));

  // One row fewer allowed: the third bad row fails the read.
  reported.clear();
  options.max_bad_rows = 2;
  EXPECT_THAT(ReadBankData(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("transactions.csv:4: row has 2 fields but "
                                 "the header has 4 (more than "
                                 "max_bad_rows=2 bad rows)")));
  EXPECT_EQ(reported.size(), 2u);
}

TEST(BankDataTest, HeaderProblemsAndBrokenQuotingFailWhateverTheBudget) {
  struct Case {
    std::string transactions;
    std::string message;
  };
  const Case cases[] = {
      {"", "transactions.csv:1: empty file"},
      {"customer_id,product_id,timestamp\n",
       "transactions.csv:1: header lacks column 'event'"},
      {"customer_id,product_id,event,timestamp,event\n",
       "transactions.csv:1: column 'event' appears twice"},
      {"customer_id,product_id,event,timestamp\nC1,P01,\"vi\"ew,1\n",
       "transactions.csv:2: unexpected character 'e' after a closing quote"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.transactions);
    TempDir dir;
    BankDataOptions options = Files(dir, nullptr, kProducts, c.transactions);
    options.max_bad_rows = 1000;
    EXPECT_THAT(ReadBankData(options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(dir.Sub(c.message))));
  }
  TempDir dir;
  EXPECT_THAT(
      ReadBankData(Files(dir, nullptr, "product_id,name,category\n", kHeader)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("no products after the header")));
}

TEST(BankDataTest, MissingFilesAreNotFound) {
  TempDir dir;
  BankDataOptions options = Files(dir, nullptr, kProducts, kHeader);
  options.customers_path = dir.Sub("nope.csv");
  EXPECT_THAT(ReadBankData(options), StatusIs(absl::StatusCode::kNotFound));
  options.customers_path.clear();
  options.transactions_path = dir.Sub("nope.csv");
  EXPECT_THAT(ReadBankData(options), StatusIs(absl::StatusCode::kNotFound));
  options.transactions_path.clear();
  EXPECT_THAT(ReadBankData(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(BankDataTest, EventWeightsAreConfigurable) {
  TempDir dir;
  BankDataOptions options =
      Files(dir, nullptr, kProducts,
            "customer_id,product_id,event,timestamp\n"
            "C1,P01,View,1\nC1,P01,APPLY,2\nC1,P01,purchase,3\n"
            "C1,P01,open,4\nC1,P01,close,5\n");
  ASSERT_OK_AND_ASSIGN(BankData defaults, ReadBankData(options));
  std::vector<float> weights;
  for (const Interaction& i : defaults.interactions)
    weights.push_back(i.weight);
  EXPECT_THAT(weights, ElementsAre(1, 2, 5, 5, 0));

  ASSERT_THAT(ParseEventWeights("view=0.5, close=1", &options.weights), IsOk());
  EXPECT_EQ(options.weights.apply, 2);
  ASSERT_OK_AND_ASSIGN(BankData custom, ReadBankData(options));
  weights.clear();
  for (const Interaction& i : custom.interactions) weights.push_back(i.weight);
  EXPECT_THAT(weights, ElementsAre(0.5, 2, 5, 5, 1));

  EventWeights unchanged;
  EXPECT_THAT(ParseEventWeights("like=1", &unchanged),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown event 'like'")));
  EXPECT_THAT(ParseEventWeights("view=-1", &unchanged),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEventWeights("view", &unchanged),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(unchanged.view, 1);
}

TEST(BankDataTest, OfferAnswersAreEventsAndADeclineWeighsNegative) {
  TempDir dir;
  BankDataOptions options = Files(dir, nullptr, kProducts,
                                  "customer_id,product_id,event,timestamp\n"
                                  "C1,P01,Accept,1\nC1,P02,DECLINE,2\n");
  ASSERT_OK_AND_ASSIGN(BankData defaults, ReadBankData(options));
  ASSERT_EQ(defaults.interactions.size(), 2u);
  EXPECT_EQ(defaults.interactions[0].event, Event::kAccept);
  EXPECT_EQ(defaults.interactions[0].weight, 2.0f);
  EXPECT_EQ(defaults.interactions[1].event, Event::kDecline);
  EXPECT_EQ(defaults.interactions[1].weight, -5.0f);

  // The spec holds magnitudes; the sign belongs to the event.
  ASSERT_THAT(ParseEventWeights("decline=3,accept=0.5", &options.weights),
              IsOk());
  EXPECT_EQ(options.weights.decline, 3.0f);
  EXPECT_EQ(options.weights.Of(Event::kDecline), -3.0f);
  EXPECT_EQ(options.weights.Of(Event::kAccept), 0.5f);
  EXPECT_THAT(ParseEventWeights("decline=-3", &options.weights),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(options.weights.decline, 3.0f);

  EXPECT_EQ(static_cast<int>(Event::kAccept), 5);
  EXPECT_EQ(static_cast<int>(Event::kDecline), 6);
  EXPECT_EQ(EventName(Event::kAccept), "accept");
  EXPECT_EQ(EventName(Event::kDecline), "decline");
  ASSERT_OK_AND_ASSIGN(const Event parsed, ParseEvent("Decline"));
  EXPECT_EQ(parsed, Event::kDecline);
  EXPECT_TRUE(IsOfferResponse(Event::kAccept));
  EXPECT_TRUE(IsOfferResponse(Event::kDecline));
  EXPECT_FALSE(IsOfferResponse(Event::kOpen));
  EXPECT_THAT(ParseEvent("impression"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("accept, decline")));
}

TEST(BankDataTest, EventWeightsFormatAsTheSpecTheyParseFrom) {
  EXPECT_EQ(FormatEventWeights(EventWeights()),
            "view=1,apply=2,purchase=5,open=5,close=0,accept=2,decline=5");
  EventWeights custom;
  ASSERT_THAT(ParseEventWeights("view=0.1,close=1e-07,decline=2.5", &custom),
              IsOk());
  const std::string spec = FormatEventWeights(custom);
  EXPECT_EQ(spec,
            "view=0.1,apply=2,purchase=5,open=5,close=1e-07,accept=2,"
            "decline=2.5");
  EventWeights back;
  back.view = back.apply = back.purchase = back.open = back.close =
      back.accept = back.decline = 99;
  ASSERT_THAT(ParseEventWeights(spec, &back), IsOk());
  for (int e = 0; e <= static_cast<int>(Event::kDecline); ++e) {
    EXPECT_EQ(back.Of(static_cast<Event>(e)), custom.Of(static_cast<Event>(e)))
        << EventName(static_cast<Event>(e));
  }
}

TEST(BankDataTest, OfferAnswersDoNotChangeHoldings) {
  TempDir dir;
  const BankDataOptions options =
      Files(dir, kCustomers, kProducts,
            "customer_id,product_id,event,timestamp\n"
            "C1,P01,open,100\nC1,P01,decline,200\nC1,P02,accept,300\n"
            "C2,P02,decline,100\n");
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_THAT(data.Holdings(), ElementsAre(ElementsAre(0), IsEmpty()));
}

// Bank data with customers C1, C2 and products P01, P02, for feedback.
BankData TwoByTwo(const TempDir& dir) {
  absl::StatusOr<BankData> data = ReadBankData(
      Files(dir, kCustomers, kProducts,
            "customer_id,product_id,event,timestamp\nC1,P01,view,1\n"));
  EXPECT_THAT(data, IsOk());
  return *std::move(data);
}

TEST(FeedbackTest, KeepsAnswersOfKnownIdsAndCountsTheRest) {
  TempDir dir;
  const BankData data = TwoByTwo(dir);
  FeedbackOptions options;
  // Columns in another order, and an extra one, as in transactions.csv.
  options.path = WriteFile(dir, "feedback.csv",
                           "event,timestamp,customer_id,product_id,channel\n"
                           "decline,2024-03-01T10:00:00Z,C2,P01,mobile\n"
                           "Impression,100,C1,P02,branch\n"
                           "accept,200,C1,P02,branch\n"
                           "decline,300,C9,P01,\n"
                           "accept,300,C9,P99,\n"
                           "decline,400,C1,P99,\n");
  ASSERT_OK_AND_ASSIGN(Feedback feedback, ReadFeedback(options, data));
  EXPECT_THAT(
      feedback.interactions,
      ElementsAre(InteractionIs(1, 0, Event::kDecline, -5.0f, 1709287200),
                  InteractionIs(0, 1, Event::kAccept, 2.0f, 200)));
  EXPECT_EQ(feedback.impression_rows, 1);
  EXPECT_EQ(feedback.unknown_customer_rows, 2);
  EXPECT_EQ(feedback.unknown_product_rows, 1);
  EXPECT_EQ(feedback.skipped_rows, 0);
}

TEST(FeedbackTest, MalformedRowsAreInvalidArgumentNamingFileAndLine) {
  TempDir dir;
  const BankData data = TwoByTwo(dir);
  const struct {
    const char* row;
    const char* error;
  } cases[] = {
      {"C1,P01,view,1", "feedback.csv:2: event 'view' is not feedback"},
      {"C1,P01,like,1", "feedback.csv:2: event 'like' is not feedback"},
      {"C1,P01,decline,yesterday", "feedback.csv:2: bad timestamp"},
      {"C1,P01,decline,1,extra", "feedback.csv:2:"},
      {",P01,decline,1", "feedback.csv:2: empty customer_id"},
      {"C1,,accept,1", "feedback.csv:2: empty product_id"},
      {"C1,P01,accept,9999999999999", "feedback.csv:2: timestamp"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.row);
    FeedbackOptions options;
    options.path = WriteFile(
        dir, "feedback.csv",
        absl::StrCat(kFeedbackCsvHeader, c.row, "\nC1,P01,accept,2\n"));
    EXPECT_THAT(
        ReadFeedback(options, data),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
    options.max_bad_rows = 1;
    int reported = 0;
    options.on_bad_row = [&](const absl::Status&) { ++reported; };
    ASSERT_OK_AND_ASSIGN(Feedback feedback, ReadFeedback(options, data));
    EXPECT_EQ(feedback.skipped_rows, 1);
    EXPECT_EQ(reported, 1);
    EXPECT_EQ(feedback.interactions.size(), 1u);
  }
}

TEST(FeedbackTest, MissingFileIsNotFoundAndMissingColumnInvalid) {
  TempDir dir;
  const BankData data = TwoByTwo(dir);
  FeedbackOptions options;
  options.path = dir.Sub("nope.csv");
  EXPECT_THAT(ReadFeedback(options, data),
              StatusIs(absl::StatusCode::kNotFound));
  options.path = WriteFile(dir, "feedback.csv",
                           "customer_id,product_id,event\nC1,P01,accept\n");
  EXPECT_THAT(ReadFeedback(options, data),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lacks column 'timestamp'")));
  options.path.clear();
  EXPECT_THAT(ReadFeedback(options, data),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FeedbackTest, WrittenRowsReadBackUnchanged) {
  TempDir dir;
  BankData data = TwoByTwo(dir);
  // Ids CSV must quote.
  data.customer_ids.push_back("C,3");
  data.products[1].product_id = "P \"02\"";
  const std::string text = absl::StrCat(
      kFeedbackCsvHeader,
      FeedbackCsvRow("C,3", "P \"02\"", Event::kDecline, 1709287200),
      FeedbackCsvRow("C1", "P01", Event::kAccept, 1709290800));
  EXPECT_THAT(text, HasSubstr("\"C,3\",\"P \"\"02\"\"\",decline,"
                              "2024-03-01T10:00:00Z\n"));
  EXPECT_THAT(text, HasSubstr("\nC1,P01,accept,2024-03-01T11:00:00Z\n"));
  FeedbackOptions options;
  options.path = WriteFile(dir, "feedback.csv", text);
  ASSERT_OK_AND_ASSIGN(Feedback feedback, ReadFeedback(options, data));
  EXPECT_THAT(
      feedback.interactions,
      ElementsAre(InteractionIs(2, 1, Event::kDecline, -5.0f, 1709287200),
                  InteractionIs(0, 0, Event::kAccept, 2.0f, 1709290800)));
}

TEST(BankDataTest, CloseEndsAHolding) {
  TempDir dir;
  const BankDataOptions options =
      Files(dir, kCustomers, kProducts,
            "customer_id,product_id,event,timestamp\n"
            // Out of file order on purpose: holdings follow timestamps.
            "C1,P01,close,300\nC1,P01,open,100\nC1,P02,purchase,200\n"
            "C2,P02,open,100\nC2,P02,close,200\nC2,P02,open,300\n"
            "C2,P01,view,300\n");
  ASSERT_OK_AND_ASSIGN(BankData data, ReadBankData(options));
  EXPECT_THAT(data.Holdings(), ElementsAre(ElementsAre(1), ElementsAre(1)));
}

TEST(TimestampTest, ParsesIsoAndUnixSeconds) {
  EXPECT_EQ(*ParseTimestamp("2024-03-01T10:00:00Z"), 1709287200);
  EXPECT_EQ(*ParseTimestamp("2024-03-01t10:00:00.123z"), 1709287200);
  EXPECT_EQ(*ParseTimestamp("2024-03-01 11:30:00+01:30"), 1709287200);
  EXPECT_EQ(*ParseTimestamp("2024-03-01T05:00:00-05:00"), 1709287200);
  EXPECT_EQ(*ParseTimestamp("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_EQ(*ParseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTimestamp("1709287200"), 1709287200);
  EXPECT_EQ(*ParseTimestamp("-86400"), -86400);
  for (const char* bad :
       {"", "-", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-03-01T24:00:00Z", "2024-03-01T10:00:00+1", "2024-03-01",
        "2024-03-01T10:00:00Zjunk", "2024-03-01T10:00:00.Z",
        "99999999999999999999", "1.5e9"}) {
    EXPECT_THAT(ParseTimestamp(bad),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(TimestampTest, FormatRoundTrips) {
  EXPECT_EQ(FormatTimestamp(1709287200), "2024-03-01T10:00:00Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59Z");
  for (int64_t t = -400LL * 86400; t < 200LL * 365 * 86400; t += 7777777) {
    EXPECT_EQ(*ParseTimestamp(FormatTimestamp(t)), t);
  }
}

}  // namespace
}  // namespace nbo::data
