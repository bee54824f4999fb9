// A Store that forwards every call to a real one: tests derive from it and override what they
// break (a failing append: a full disk), so that the rest behaves as the real store does.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "aegis/store/store.h"

namespace aegis::test {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  void append_linked(LinkedGroup& group) override { inner_->append_linked(group); }
  ChainHead head() override { return inner_->head(); }
  std::optional<AuditEntry> decision_entry(std::string_view id) override {
    return inner_->decision_entry(id);
  }
  std::vector<AuditEntry> find_decisions(const DecisionQuery& q) override {
    return inner_->find_decisions(q);
  }
  std::vector<ListedObject> list_objects(std::string_view type, size_t limit,
                                         int64_t before) override {
    return inner_->list_objects(type, limit, before);
  }
  int64_t save_object(std::string_view type, std::string_view id, const std::string& state,
                      int64_t expected) override {
    return inner_->save_object(type, id, state, expected);
  }
  std::optional<StoredObject> load_object(std::string_view type, std::string_view id) override {
    return inner_->load_object(type, id);
  }
  std::optional<AuditEntry> entry_at(int64_t seq) override { return inner_->entry_at(seq); }
  void for_each_entry(const std::function<bool(const AuditEntry&)>& visit) override {
    inner_->for_each_entry(visit);
  }

 protected:
  std::optional<std::string> index_problem() override { return std::nullopt; }

 private:
  std::unique_ptr<Store> inner_;
};

// A store on which another process acts first: `rival` runs once, just before this store's
// next save of an object of `type` (a race this process then loses).
class RacingStore : public ForwardingStore {
 public:
  RacingStore(std::unique_ptr<Store> inner, std::string type)
      : ForwardingStore(std::move(inner)), type_(std::move(type)) {}
  std::function<void()> rival;
  int64_t save_object(std::string_view type, std::string_view id, const std::string& state,
                      int64_t expected) override {
    if (rival && type == type_) std::exchange(rival, nullptr)();
    return ForwardingStore::save_object(type, id, state, expected);
  }

 private:
  std::string type_;
};

}  // namespace aegis::test
