#include "server/types/hash.h"

namespace vigil::server {

HashValue::HashValue(const HashValue& other) : lp_(other.lp_) {
  if (!other.dict_) return;
  dict_ = std::make_unique<Dict<std::string>>();
  other.dict_->ForEach(
      [this](std::string_view k, const std::string& v) { dict_->Upsert(k, v); });
}

HashValue& HashValue::operator=(const HashValue& other) {
  if (this != &other) {
    HashValue copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void HashValue::ConvertToHashTable() {
  if (dict_) return;
  auto dict = std::make_unique<Dict<std::string>>();
  ForEach([&dict](std::string_view f, std::string_view v) { dict->Upsert(f, std::string(v)); });
  lp_.Clear();
  dict_ = std::move(dict);
}

std::optional<std::string_view> HashValue::Get(std::string_view field) const {
  if (dict_) {
    const std::string* v = dict_->Find(field);
    if (!v) return std::nullopt;
    return std::string_view(*v);
  }
  size_t p = FindField(field);
  if (p == lp_.End()) return std::nullopt;
  return lp_.At(lp_.Next(p));
}

bool HashValue::Set(std::string_view field, std::string_view value, const Limits& limits) {
  if (!dict_ && (field.size() > limits.max_value || value.size() > limits.max_value))
    ConvertToHashTable();
  if (dict_) return dict_->Upsert(field, std::string(value)).second;
  size_t p = FindField(field);
  if (p != lp_.End()) {
    lp_.Replace(lp_.Next(p), value);
    return false;
  }
  lp_.PushBack(field);
  lp_.PushBack(value);
  if (size() > limits.max_entries) ConvertToHashTable();
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (dict_) return dict_->Erase(field);
  size_t p = FindField(field);
  if (p == lp_.End()) return false;
  lp_.EraseRange(p, 2);
  return true;
}

std::vector<HashValue::Entry> HashValue::Entries() const {
  std::vector<Entry> out;
  out.reserve(size());
  ForEach([&out](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

HashValue::Entry HashValue::Random(std::mt19937_64& rng) const {
  if (dict_) {
    auto [k, v] = dict_->Random(rng);
    return {k, *v};
  }
  size_t p = lp_.Seek(static_cast<int64_t>(2 * (rng() % size())));
  return {lp_.At(p), lp_.At(lp_.Next(p))};
}

}  // namespace vigil::server
