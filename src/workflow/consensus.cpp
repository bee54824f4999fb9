#include <algorithm>
#include <cmath>

#include "aegis/workflow/errors.h"
#include "aegis/workflow/workflow.h"

namespace aegis {

std::string_view to_string(VoteOutcome v) noexcept { return name_in(kVoteNames, v); }

std::optional<VoteOutcome> parse_vote(std::string_view s) noexcept {
  return value_in<kVoteNames>(s);
}

std::string_view to_string(ConsensusStatus v) noexcept { return name_in(kConsensusStatusNames, v); }

ConsensusWorkflow::ConsensusWorkflow(std::string consensus_id, int min_voters,
                                     std::vector<std::string> electorate, Clock clock)
    : id_(std::move(consensus_id)),
      min_voters_(min_voters),
      electorate_(std::move(electorate)),
      clock_(std::move(clock)) {
  if (id_.empty())
    throw_error(Error(errors::kConsensusInvalid, "consensus_id", "consensus_id is required"));
  if (min_voters_ < 1)
    throw_error(Error(errors::kConsensusInvalid, "min_voters", "min_voters must be >= 1"));
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

namespace {

int required_approvals(int n) { return (2 * n + 2) / 3; }  // ⌈2n/3⌉

}  // namespace

const ConsensusResult& ConsensusWorkflow::vote(std::string_view voter_id, VoteOutcome outcome,
                                               std::optional<double> confidence) {
  if (voter_id.empty())
    throw_error(Error(errors::kConsensusInvalid, "voter_id", "voter_id is required"));
  if (result_.outcome != ConsensusStatus::OPEN)
    throw_error(Error{errors::kConsensusClosed, "voter_id",
                      "consensus " + id_ + " is already settled (" +
                          std::string(to_string(result_.outcome)) + ")"});
  if (!electorate_.empty() &&
      std::find(electorate_.begin(), electorate_.end(), voter_id) == electorate_.end())
    throw_error(Error(errors::kConsensusNotEligible, "voter_id",
                      "voter " + std::string(voter_id) + " is not in the electorate"));
  for (const auto& v : result_.votes) {
    if (v.voter_id == voter_id)
      throw_error(Error{errors::kConsensusDuplicateVote, "voter_id",
                        "voter " + std::string(voter_id) + " has already voted"});
  }
  if (confidence && !(*confidence >= 0.0 && *confidence <= 1.0))
    throw_error(Error(errors::kConsensusInvalid, "confidence", "confidence must be in [0, 1]"));
  result_.votes.push_back({std::string(voter_id), outcome, confidence, clock_()});
  switch (outcome) {
    case VoteOutcome::APPROVE:
      ++result_.approvals;
      break;
    case VoteOutcome::REJECT:
      ++result_.rejections;
      break;
    case VoteOutcome::ABSTAIN:
      ++result_.abstentions;
      break;
  }
  settle(false);
  return result_;
}

const ConsensusResult& ConsensusWorkflow::close() {
  if (result_.outcome == ConsensusStatus::OPEN) settle(true);
  return result_;
}

void ConsensusWorkflow::settle(bool closing) {
  const int n = result_.approvals + result_.rejections;
  result_.agreement =
      n == 0 ? 0.0 : static_cast<double>(std::max(result_.approvals, result_.rejections)) / n;
  const int remaining =
      electorate_.empty() ? 0 : static_cast<int>(electorate_.size() - result_.votes.size());
  if (closing || (!electorate_.empty() && remaining == 0)) {
    if (n < min_voters_) {
      result_.outcome = ConsensusStatus::NO_QUORUM;
    } else {
      result_.outcome = result_.approvals >= required_approvals(n) ? ConsensusStatus::APPROVED
                                                                   : ConsensusStatus::REJECTED;
    }
    return;
  }
  if (electorate_.empty()) return;  // open membership: only close() settles
  // Settled early when no choice of the remaining voters can change the outcome: approved even
  // if they all reject; rejected even if they all approve; no quorum even if they all vote.
  if (n >= min_voters_ && result_.approvals >= required_approvals(n + remaining)) {
    result_.outcome = ConsensusStatus::APPROVED;
  } else if (n + remaining < min_voters_) {
    result_.outcome = ConsensusStatus::NO_QUORUM;
  } else if (result_.approvals + remaining < required_approvals(n + remaining)) {
    result_.outcome = ConsensusStatus::REJECTED;
  }
}

}  // namespace aegis

namespace aegis {

nlohmann::json ConsensusWorkflow::to_json() const {
  nlohmann::json votes = nlohmann::json::array();
  for (const auto& v : result_.votes) {
    votes.push_back(
        {{"voter_id", v.voter_id},
         {"outcome", to_string(v.outcome)},
         {"confidence", v.confidence ? nlohmann::json(*v.confidence) : nullptr},
         {"at_ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(v.at.time_since_epoch()).count()}});
  }
  return {{"consensus_id", id_},
          {"min_voters", min_voters_},
          {"electorate", electorate_},
          {"outcome", to_string(result_.outcome)},
          {"votes", votes}};
}

ConsensusWorkflow ConsensusWorkflow::from_json(const nlohmann::json& j, Clock clock) {
  try {
    ConsensusWorkflow c(j.at("consensus_id").get<std::string>(), j.at("min_voters").get<int>(),
                        j.at("electorate").get<std::vector<std::string>>(), std::move(clock));
    for (const auto& v : j.at("votes")) {
      const auto outcome = parse_vote(v.at("outcome").get<std::string>());
      if (!outcome)
        throw_error(Error(errors::kWorkflowSavedState, "votes", "unknown vote outcome"));
      Vote vote{v.at("voter_id").get<std::string>(), *outcome, std::nullopt,
                std::chrono::system_clock::time_point(
                    std::chrono::milliseconds(v.at("at_ms").get<int64_t>()))};
      if (!v.at("confidence").is_null()) vote.confidence = v.at("confidence").get<double>();
      switch (vote.outcome) {
        case VoteOutcome::APPROVE:
          ++c.result_.approvals;
          break;
        case VoteOutcome::REJECT:
          ++c.result_.rejections;
          break;
        case VoteOutcome::ABSTAIN:
          ++c.result_.abstentions;
          break;
      }
      c.result_.votes.push_back(std::move(vote));
    }
    const std::string outcome = j.at("outcome").get<std::string>();
    c.settle(false);  // early settlement, as when the votes came in
    if (c.result_.outcome == ConsensusStatus::OPEN && outcome != "open") c.settle(true);
    if (to_string(c.result_.outcome) != outcome)
      throw_error(Error(errors::kWorkflowSavedState, "outcome",
                        "the saved outcome does not follow from the saved votes"));
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw_error(Error(errors::kWorkflowSavedState, "consensus",
                      std::string("malformed saved consensus: ") + e.what()));
  }
}

}  // namespace aegis
