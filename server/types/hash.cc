#include "server/types/hash.h"

#include "server/allocator.h"

namespace vigil::server {

HashValue::HashValue(const HashValue& other) {
  if (!other.rep_.is_big()) {
    rep_.lp() = other.rep_.lp();
    return;
  }
  auto dict = std::make_unique<Dict<std::string>>();
  other.rep_.big()->ForEach(
      [&dict](std::string_view k, const std::string& v) { dict->Upsert(k, v); });
  rep_.SetBig(std::move(dict));
}

HashValue& HashValue::operator=(const HashValue& other) {
  if (this != &other) {
    HashValue copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void HashValue::ConvertToHashTable() {
  if (rep_.is_big()) return;
  auto dict = std::make_unique<Dict<std::string>>();
  ForEach([&dict](std::string_view f, std::string_view v) { dict->Upsert(f, std::string(v)); });
  rep_.SetBig(std::move(dict));
}

std::optional<std::string_view> HashValue::Get(std::string_view field) const {
  if (rep_.is_big()) {
    const std::string* v = rep_.big()->Find(field);
    if (!v) return std::nullopt;
    return std::string_view(*v);
  }
  size_t p = FindField(field);
  if (p == rep_.lp().End()) return std::nullopt;
  return rep_.lp().At(rep_.lp().Next(p));
}

bool HashValue::Set(std::string_view field, std::string_view value, const Limits& limits) {
  if (!rep_.is_big() && (field.size() > limits.max_value || value.size() > limits.max_value))
    ConvertToHashTable();
  if (rep_.is_big()) return rep_.big()->Upsert(field, std::string(value)).second;
  size_t p = FindField(field);
  if (p != rep_.lp().End()) {
    rep_.lp().Replace(rep_.lp().Next(p), value);
    return false;
  }
  rep_.lp().PushBack(field);
  rep_.lp().PushBack(value);
  if (size() > limits.max_entries) ConvertToHashTable();
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (rep_.is_big()) return rep_.big()->Erase(field);
  size_t p = FindField(field);
  if (p == rep_.lp().End()) return false;
  rep_.lp().EraseRange(p, 2);
  return true;
}

std::vector<HashValue::Entry> HashValue::Entries() const {
  std::vector<Entry> out;
  out.reserve(size());
  ForEach([&out](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

HashValue::Entry HashValue::Random(std::mt19937_64& rng) const {
  if (rep_.is_big()) {
    auto [k, v] = rep_.big()->Random(rng);
    return {k, *v};
  }
  size_t p = rep_.lp().Seek(static_cast<int64_t>(2 * (rng() % size())));
  return {rep_.lp().At(p), rep_.lp().At(rep_.lp().Next(p))};
}

size_t HashValue::MemoryUsage(size_t samples) const {
  if (!rep_.is_big()) return rep_.lp().AllocatedBytes();
  const Dict<std::string>& d = *rep_.big();
  size_t seen = 0, sampled = 0;
  d.Sample(samples, [&](std::string_view field, const std::string& value) {
    sampled += AllocSize(Dict<std::string>::NodeBytes(field.size()));
    // Past std::string's inline buffer the value has a block of its own.
    if (value.capacity() > std::string().capacity()) sampled += AllocSize(value.capacity() + 1);
    ++seen;
  });
  return AllocSize(sizeof(d)) + AllocSize(d.bucket_count() * sizeof(void*)) +
         Extrapolate(sampled, seen, d.size());
}

}  // namespace vigil::server
