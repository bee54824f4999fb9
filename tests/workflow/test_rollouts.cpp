// The rollout gates' pure parts: reading Prometheus' answers into numbers or gaps, the labels a
// request fills into a query, and the sources: section. (The whole path, before a real
// Prometheus and the controllers' own request code, is tests/cli/test_rollouts.py.)
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "aegis/telemetry/prometheus_query.h"
#include "aegis/workflow/rollout_sources.h"

namespace aegis {
namespace {

std::string vector_of(const std::vector<std::string>& values) {
  std::string out = R"({"status":"success","data":{"resultType":"vector","result":[)";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += R"({"metric":{"pod":"p)" + std::to_string(i) + R"("},"value":[1765000000.5,")" +
           values[i] + "\"]}";
  }
  return out + "]}}";
}

TEST(PrometheusAnswer, OneFiniteSampleIsANumber) {
  const Measurement m = read_query_answer(200, vector_of({"0.0125"}));
  ASSERT_TRUE(m.value);
  EXPECT_DOUBLE_EQ(*m.value, 0.0125);
  EXPECT_TRUE(m.gap.empty());
  const Measurement s = read_query_answer(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1765000000,"3"]}})");
  ASSERT_TRUE(s.value);
  EXPECT_DOUBLE_EQ(*s.value, 3);
}

TEST(PrometheusAnswer, EverythingElseIsAGapSayingWhy) {
  EXPECT_EQ(read_query_answer(200, vector_of({})).gap, "no series");
  EXPECT_EQ(read_query_answer(200, vector_of({"1", "2", "3"})).gap,
            "3 series where one is expected");
  for (const char* v : {"NaN", "+Inf", "-Inf"}) {
    const Measurement m = read_query_answer(200, vector_of({v}));
    EXPECT_FALSE(m.value) << v;
    EXPECT_NE(m.gap.find(v), std::string::npos) << m.gap;
  }
  EXPECT_FALSE(read_query_answer(200, vector_of({"0.5x"})).value);
  EXPECT_FALSE(read_query_answer(200, vector_of({""})).value);
  const Measurement bad = read_query_answer(
      400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})");
  EXPECT_FALSE(bad.value);
  EXPECT_EQ(bad.gap, "the server answered HTTP 400 bad_data: parse error at char 3");
  EXPECT_FALSE(read_query_answer(502, "<html>bad gateway</html>").value);
  EXPECT_FALSE(
      read_query_answer(200, R"({"status":"success","data":{"resultType":"matrix","result":[]}})")
          .value);
  EXPECT_FALSE(read_query_answer(200, R"({"status":"success"})").value);
}

TEST(RolloutLabels, OnlyValuesThatCannotChangeAQuery) {
  EXPECT_FALSE(check_rollout_label("namespace", "shop-eu1"));
  EXPECT_FALSE(check_rollout_label("name", "checkout.v2"));
  EXPECT_FALSE(check_rollout_label("revision", "6d4f8cB9"));
  for (const auto& [label, value] :
       std::vector<std::pair<std::string, std::string>>{{"namespace", "Shop"},
                                                        {"namespace", "a.b"},
                                                        {"name", "x\"}"},
                                                        {"name", ""},
                                                        {"revision", "6d4f-8c"},
                                                        {"stable_revision", "a b"},
                                                        {"namespace", std::string(64, 'a')}}) {
    const auto e = check_rollout_label(label, value);
    ASSERT_TRUE(e) << label << "=" << value;
    EXPECT_EQ(e->field, label);
  }
}

Result<RolloutSources> sources(const std::string& yaml) {
  return read_sources_section(YAML::Load(yaml)["sources"], "c.yaml");
}

TEST(RolloutSources, QueriesAreFilledFromTheRequestsLabels) {
  auto s = sources(R"(
sources:
  prometheus: {url: "http://prom:9090/"}
  fields:
    risk_proposed: 'err{ns="{{namespace}}",app="{{ name }}",hash="{{revision}}"}'
)");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value().prometheus_url, "http://prom:9090/");
  const auto& [field, promql] = s.value().fields.at(0);
  auto q = s.value().query(field, promql,
                           {{"namespace", "shop"}, {"name", "checkout"}, {"revision", "c1"}});
  ASSERT_TRUE(q);
  EXPECT_EQ(q.value(), R"(err{ns="shop",app="checkout",hash="c1"})");
  auto missing = s.value().query(field, promql, {{"namespace", "shop"}, {"name", "checkout"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "revision");
  // The routine rollout's context, under the file's fields.
  EXPECT_EQ(s.value().context["phase"], "commit");
  EXPECT_EQ(s.value().context["novelty_score"], 1.0);
}

TEST(RolloutSources, TheHashChangesWithWhatIsMeasured) {
  auto a =
      sources("sources:\n  prometheus: {url: 'http://p:9090'}\n  fields: {risk_proposed: a}\n");
  auto b =
      sources("sources:\n  prometheus: {url: 'http://p:9090'}\n  fields: {risk_proposed: b}\n");
  auto c = sources(
      "sources:\n  prometheus: {url: 'http://p:9090'}\n  fields: {risk_proposed: a}\n"
      "  context: {estimated_impact: high}\n");
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a.value().hash, b.value().hash);
  EXPECT_NE(a.value().hash, c.value().hash);
  EXPECT_EQ(c.value().context["estimated_impact"], "high");
}

TEST(RolloutSources, BadSectionsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sources:\n  fields: {risk_proposed: a}\n", "sources.prometheus"},
      {"sources:\n  prometheus: {url: 'ftp://p'}\n  fields: {risk_proposed: a}\n",
       "sources.prometheus.url"},
      {"sources:\n  prometheus: {url: 'http://p:1', timeout_ms: 10}\n  fields: {risk_proposed: "
       "a}\n",
       "sources.prometheus.timeout_ms"},
      {"sources:\n  prometheus: {url: 'http://p:1'}\n  fields: {}\n", "sources.fields"},
      {"sources:\n  prometheus: {url: 'http://p:1'}\n  fields: {risk_proposed: 'a{{name'}\n",
       "sources.fields.risk_proposed"},
      {"sources:\n  prometheus: {url: 'http://p:1'}\n  fields: {risk_proposed: a}\n"
       "  context: {agent_id: x}\n",
       "sources.context.agent_id"},
      {"sources:\n  prometheus: {url: 'http://p:1'}\n  fields: {risk_proposed: a}\n"
       "  context: {quality_score: 2}\n",
       "sources.context.quality_score"},
      {"sources:\n  prometheus: {url: 'http://p:1'}\n  fields: {risk_proposed: a}\n"
       "  key_window_seconds: 0\n",
       "sources.key_window_seconds"},
  };
  for (const auto& [yaml, field] : cases) {
    auto s = sources(yaml);
    ASSERT_FALSE(s) << yaml;
    EXPECT_EQ(s.error().field, field) << yaml << s.error().message;
  }
}

}  // namespace
}  // namespace aegis
