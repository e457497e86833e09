// Value::ToString: redis-cli's TTY rendering (cliFormatReplyTTY), so test
// expectations and logs read like an interactive session.
#include "common/resp/value.h"

#include <cstdio>

#include "common/util/strings.h"

namespace vigil::resp {
namespace {

void Render(const Value& v, const std::string& prefix, std::string* out) {
  switch (v.type) {
    case Value::Type::kSimpleString:
      out->append(v.str);
      break;
    case Value::Type::kError:
      out->append("(error) ");
      out->append(v.str);
      break;
    case Value::Type::kInteger:
      out->append("(integer) ");
      out->append(std::to_string(v.integer));
      break;
    case Value::Type::kBulk:
      out->append(QuoteRepr(v.str));
      break;
    case Value::Type::kVerbatim:
      // redis-cli prints verbatim text raw: it is meant for humans.
      out->append(v.str);
      break;
    case Value::Type::kNull:
      out->append("(nil)");
      break;
    case Value::Type::kDouble:
      out->append("(double) ");
      out->append(v.str);
      break;
    case Value::Type::kBoolean:
      out->append(v.integer ? "(true)" : "(false)");
      break;
    case Value::Type::kBigNumber:
      out->append("(big number) ");
      out->append(v.str);
      break;
    case Value::Type::kArray:
    case Value::Type::kMap:
    case Value::Type::kSet:
    case Value::Type::kPush: {
      const bool is_map = v.type == Value::Type::kMap;
      if (v.elems.empty()) {
        switch (v.type) {
          case Value::Type::kMap:
            out->append("(empty hash)");
            break;
          case Value::Type::kSet:
            out->append("(empty set)");
            break;
          case Value::Type::kPush:
            out->append("(empty push)");
            break;
          default:
            out->append("(empty array)");
            break;
        }
        break;
      }
      size_t count = is_map ? v.elems.size() / 2 : v.elems.size();
      int width = 0;
      for (size_t n = count;; n /= 10) {
        ++width;
        if (n < 10) break;
      }
      // Nested entries line up under the first character after "N) ".
      std::string child_prefix = prefix + std::string(static_cast<size_t>(width) + 2, ' ');
      char sep = v.type == Value::Type::kSet ? '~' : (is_map ? '#' : ')');
      for (size_t i = 0; i < v.elems.size(); ++i) {
        size_t index = (is_map ? i / 2 : i) + 1;
        if (i > 0) out->push_back('\n');
        char head[48];
        int n = std::snprintf(head, sizeof(head), "%*zu%c ", width, index, sep);
        // The first entry follows the parent's own "N) " on the same line.
        if (i > 0) out->append(prefix);
        out->append(head, static_cast<size_t>(n));
        Render(v.elems[i], child_prefix, out);
        if (is_map && i + 1 < v.elems.size()) {
          ++i;
          out->append(" => ");
          Render(v.elems[i], child_prefix, out);
        }
      }
      break;
    }
  }
}

}  // namespace

std::string Value::ToString() const {
  std::string out;
  Render(*this, "", &out);
  return out;
}

}  // namespace vigil::resp
