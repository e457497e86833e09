#include "server/types/set.h"

#include "server/allocator.h"

#include "common/util/strings.h"

namespace vigil::server {

SetValue::SetValue(const SetValue& other) : ints_(other.ints_) {
  if (!other.dict_) return;
  dict_ = std::make_unique<Dict<Empty>>();
  other.dict_->ForEach([this](std::string_view k, const Empty&) { dict_->Upsert(k, Empty{}); });
}

SetValue& SetValue::operator=(const SetValue& other) {
  if (this != &other) {
    SetValue copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void SetValue::ConvertToHashTable() {
  if (dict_) return;
  auto dict = std::make_unique<Dict<Empty>>();
  char buf[24];
  for (size_t i = 0; i < ints_.size(); ++i) dict->Upsert(Format(ints_.At(i), buf), Empty{});
  ints_.Clear();
  dict_ = std::move(dict);
}

bool SetValue::Add(std::string_view member, size_t max_intset_entries) {
  if (!dict_) {
    if (auto v = ParseInt64(member)) {
      if (!ints_.Insert(*v)) return false;
      if (ints_.size() > max_intset_entries) ConvertToHashTable();
      return true;
    }
    ConvertToHashTable();
  }
  return dict_->Upsert(member, Empty{}).second;
}

bool SetValue::Remove(std::string_view member) {
  if (dict_) return dict_->Erase(member);
  auto v = ParseInt64(member);
  return v && ints_.Erase(*v);
}

bool SetValue::Contains(std::string_view member) const {
  if (dict_) return dict_->Find(member) != nullptr;
  auto v = ParseInt64(member);
  return v && ints_.Contains(*v);
}

std::string SetValue::Random(std::mt19937_64& rng) {
  if (dict_) return std::string(dict_->Random(rng).first);
  return std::to_string(ints_.At(rng() % ints_.size()));
}

std::vector<std::string> SetValue::Members() const {
  std::vector<std::string> out;
  out.reserve(size());
  ForEach([&out](std::string_view m) { out.emplace_back(m); });
  return out;
}

size_t SetValue::MemoryUsage(size_t samples) const {
  const size_t self = AllocSize(sizeof(SetValue));  // the block the key points to
  if (!dict_) return self + ints_.HeapBytes();
  size_t seen = 0, sampled = 0;
  dict_->Sample(samples, [&](std::string_view member, const Empty&) {
    sampled += AllocSize(Dict<Empty>::NodeBytes(member.size()));
    ++seen;
  });
  return self + AllocSize(sizeof(*dict_)) + AllocSize(dict_->bucket_count() * sizeof(void*)) +
         Extrapolate(sampled, seen, dict_->size());
}

}  // namespace vigil::server
