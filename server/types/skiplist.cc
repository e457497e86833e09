#include "server/types/skiplist.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>

namespace vigil::server {

// ---- LexRange ----

bool LexRange::GteMin(std::string_view v) const {
  switch (min.kind) {
    case LexBound::kMin: return true;
    case LexBound::kMax: return false;
    case LexBound::kValue: break;
  }
  return min.exclusive ? v > min.value : v >= min.value;
}

bool LexRange::LteMax(std::string_view v) const {
  switch (max.kind) {
    case LexBound::kMax: return true;
    case LexBound::kMin: return false;
    case LexBound::kValue: break;
  }
  return max.exclusive ? v < max.value : v <= max.value;
}

bool LexRange::Empty() const {
  // Compare the bounds as Redis's sdscmplex: "-" sorts first, "+" last, and
  // the two infinities have exclusive ends.
  auto rank = [](const LexBound& b) {
    return b.kind == LexBound::kMin ? 0 : b.kind == LexBound::kMax ? 2 : 1;
  };
  int cmp;
  if (rank(min) != rank(max) || min.kind != LexBound::kValue) {
    cmp = rank(min) - rank(max);
  } else {
    cmp = min.value.compare(max.value);
  }
  bool minex = min.exclusive || min.kind != LexBound::kValue;
  bool maxex = max.exclusive || max.kind != LexBound::kValue;
  return cmp > 0 || (cmp == 0 && (minex || maxex));
}

// ---- SkipList ----

namespace {

// (score, member) order: the order ZRANGE returns.
bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}

}  // namespace

SkipList::Node* SkipList::NewNode(int height, double score, std::string_view member) {
  void* mem = std::malloc(NodeBytes(height, member.size()));
  if (mem == nullptr) throw std::bad_alloc();
  Node* n = static_cast<Node*>(mem);
  n->score = score;
  n->backward = nullptr;
  n->hash_next = nullptr;
  n->len = static_cast<uint32_t>(member.size());
  n->height = static_cast<uint8_t>(height);
  for (int i = 0; i < height; ++i) n->levels()[i] = {nullptr, 0};
  if (!member.empty()) std::memcpy(n->levels() + height, member.data(), member.size());
  return n;
}

void SkipList::FreeNode(Node* n) { std::free(n); }

int SkipList::RandomHeight() {
  // p = 1/4 per extra level, as Redis: 1.33 levels per node on average.
  static thread_local uint64_t state = 0x9E3779B97F4A7C15ULL;
  int h = 1;
  for (;;) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    if ((state & 3) != 0 || h >= kMaxLevel) break;
    ++h;
  }
  return h;
}

SkipList::SkipList() : header_(NewNode(kMaxLevel, 0, {})) {}

SkipList::~SkipList() {
  Node* x = header_->levels()[0].forward;
  while (x) {
    Node* next = x->levels()[0].forward;
    FreeNode(x);
    x = next;
  }
  FreeNode(header_);
}

void SkipList::FindUpdate(double score, std::string_view member, Node** update,
                          size_t* rank) const {
  Node* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->levels()[i].forward &&
           Less(x->levels()[i].forward->score, x->levels()[i].forward->member(), score, member)) {
      rank[i] += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    update[i] = x;
  }
}

void SkipList::Link(Node* x, Node** update, const size_t* rank) {
  const int height = x->height;
  if (height > level_) {
    for (int i = level_; i < height; ++i) {
      update[i] = header_;
      header_->levels()[i].span = length_;
    }
    level_ = height;
  }
  // rank[] was filled only up to the old level; the new levels start at the
  // header, whose rank is 0.
  for (int i = 0; i < height; ++i) {
    size_t r = update[i] == header_ ? 0 : rank[i];
    x->levels()[i].forward = update[i]->levels()[i].forward;
    update[i]->levels()[i].forward = x;
    x->levels()[i].span = update[i]->levels()[i].span - (rank[0] - r);
    update[i]->levels()[i].span = (rank[0] - r) + 1;
  }
  for (int i = height; i < level_; ++i) ++update[i]->levels()[i].span;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->levels()[0].forward) {
    x->levels()[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  ++length_;
}

SkipList::Node* SkipList::Insert(double score, std::string_view member) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(score, member, update, rank);
  Node* x = NewNode(RandomHeight(), score, member);
  Link(x, update, rank);
  return x;
}

void SkipList::Unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; ++i) {
    if (update[i]->levels()[i].forward == x) {
      update[i]->levels()[i].span += x->levels()[i].span - 1;
      update[i]->levels()[i].forward = x->levels()[i].forward;
    } else {
      update[i]->levels()[i].span -= 1;
    }
  }
  if (x->levels()[0].forward) {
    x->levels()[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->levels()[level_ - 1].forward == nullptr) --level_;
  --length_;
}

void SkipList::Erase(Node* node) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(node->score, node->member(), update, rank);
  Unlink(node, update);
  FreeNode(node);
}

void SkipList::UpdateScore(Node* node, double score) {
  // Still between its neighbours: only the score changes.
  Node* prev = node->backward;
  Node* next = node->levels()[0].forward;
  if ((prev == nullptr || Less(prev->score, prev->member(), score, node->member())) &&
      (next == nullptr || Less(score, node->member(), next->score, next->member()))) {
    node->score = score;
    return;
  }
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(node->score, node->member(), update, rank);
  Unlink(node, update);
  node->score = score;
  FindUpdate(score, node->member(), update, rank);
  Link(node, update, rank);
}

size_t SkipList::Rank(double score, std::string_view member) const {
  size_t rank;
  Node* x = FirstNotBefore(
      [&](const Node* n) { return Less(n->score, n->member(), score, member); }, &rank);
  return x && x->score == score && x->member() == member ? rank : 0;
}

SkipList::Node* SkipList::ByRank(size_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  Node* x = header_;
  size_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->levels()[i].forward && traversed + x->levels()[i].span <= rank) {
      traversed += x->levels()[i].span;
      x = x->levels()[i].forward;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

// ---- NodeIndex ----

size_t NodeIndex::Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

NodeIndex::Node* NodeIndex::Find(std::string_view member) const {
  if (buckets_.empty()) return nullptr;
  for (Node* n = buckets_[Hash(member) & Mask()]; n; n = n->hash_next)
    if (n->member() == member) return n;
  return nullptr;
}

void NodeIndex::Insert(Node* node) {
  if (size_ + 1 > buckets_.size()) Resize(buckets_.empty() ? 4 : buckets_.size() * 2);
  Node*& head = buckets_[Hash(node->member()) & Mask()];
  node->hash_next = head;
  head = node;
  ++size_;
}

void NodeIndex::Erase(Node* node) {
  if (buckets_.empty()) return;
  for (Node** link = &buckets_[Hash(node->member()) & Mask()]; *link; link = &(*link)->hash_next) {
    if (*link == node) {
      *link = node->hash_next;
      --size_;
      // Shrink below 10% fill, as Redis's dict.
      if (buckets_.size() > 4 && size_ * 10 < buckets_.size()) Resize(buckets_.size() / 2);
      return;
    }
  }
}

void NodeIndex::Resize(size_t buckets) {
  std::vector<Node*> fresh(buckets, nullptr);
  const size_t mask = buckets - 1;
  for (Node* head : buckets_) {
    while (head) {
      Node* next = head->hash_next;
      Node*& slot = fresh[Hash(head->member()) & mask];
      head->hash_next = slot;
      slot = head;
      head = next;
    }
  }
  buckets_.swap(fresh);
}

}  // namespace vigil::server
