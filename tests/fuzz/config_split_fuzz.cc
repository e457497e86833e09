// libFuzzer target for the redis.conf line splitter (sdssplitargs rules),
// memtoll and the quoting CONFIG REWRITE uses: no input may crash them, and
// any split result, quoted back, must split to the same arguments.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_file.h"
#include "common/util/strings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto args = vigil::config::SplitArgs(input);
  if (args) {
    std::string line;
    for (const auto& a : *args) {
      if (!line.empty()) line += ' ';
      line += vigil::QuoteRepr(a);
    }
    auto again = vigil::config::SplitArgs(line);
    if (!again || *again != *args) __builtin_trap();
  }

  // Any single string survives a QuoteRepr round trip through the splitter.
  auto one = vigil::config::SplitArgs("x " + vigil::QuoteRepr(input));
  if (!one || one->size() != 2 || (*one)[1] != input) __builtin_trap();

  if (auto mem = vigil::config::ParseMemory(input)) {
    // A value written back with units reads as the same number.
    if (*mem >= 0) {
      auto back = vigil::config::ParseMemory(vigil::config::FormatMemory(*mem));
      if (!back || *back != *mem) __builtin_trap();
    }
  }
  (void)vigil::config::ParseYesNo(input);
  return 0;
}
