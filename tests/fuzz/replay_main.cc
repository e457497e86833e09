// A stand-in for libFuzzer's main() so every *_fuzz.cc target also runs under
// GCC in CI: it feeds LLVMFuzzerTestOneInput a deterministic pseudo-random
// corpus (raw bytes, token soup, valid RESP requests and replies, and
// mutations of those), then any files named on the command line (to replay a
// crash found by the real fuzzer).
//
//   <target>_replay [--iterations=N] [--seconds=S] [--seed=N] [file ...]
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // splitmix64: tiny, fast and the same on every platform.
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

// Tokens that steer inputs into the interesting branches of the protocol
// parsers and of redis.conf-style readers.
constexpr std::string_view kTokens[] = {
    // clang-format off
    "*", "$", "\r\n", "\r", "\n", "+", "-", ":", "_", ",", "#t", "#f", "(", "!", "=", "%", "~",
    ">", "|", "0", "1", "2", "3", "10", "11", "-1", "-0", "16384", "16385", "65536", "1048577",
    "536870912", "99999999999999999999", " ", "\t", "\"", "'", "\\", "\\x41", "\\n", "\\'",
    "\\\"", "txt:", "inf", "-inf", "nan", "1.5", "PING", "SET", "GET", "k", "#", "include",
    "yes", "no", "1gb", "512mb", "100k", "sentinel", "monitor", "bind", "port",
    std::string_view("\0", 1), "\x0b", "\xff",
    // clang-format on
};

std::string Number(Rng& rng) {
  switch (rng.Below(4)) {
    case 0:
      return std::to_string(rng.Below(4));
    case 1:
      return std::to_string(rng.Below(40));
    case 2:
      return "-" + std::to_string(rng.Below(3));
    default:
      return std::to_string(rng.Below(100000));
  }
}

std::string RandomBytes(Rng& rng, size_t max_len) {
  std::string s(rng.Below(max_len + 1), '\0');
  for (char& c : s) c = static_cast<char>(rng.Next());
  return s;
}

std::string Word(Rng& rng) {
  if (rng.OneIn(8)) return RandomBytes(rng, 12);
  static constexpr std::string_view kWords[] = {"PING",  "SET", "GET", "key",
                                                "value", "",    "a b", "x\r\ny"};
  return std::string(kWords[rng.Below(std::size(kWords))]);
}

std::string TokenSoup(Rng& rng) {
  std::string s;
  size_t n = rng.Below(40);
  for (size_t i = 0; i < n; ++i) {
    if (rng.OneIn(5)) {
      s += Number(rng);
    } else {
      s += kTokens[rng.Below(std::size(kTokens))];
    }
  }
  return s;
}

std::string Request(Rng& rng) {
  std::string s;
  size_t n = rng.Below(4);
  if (rng.OneIn(3)) {
    // Inline, with quoting.
    for (size_t i = 0; i <= n; ++i) {
      if (i) s += rng.OneIn(4) ? "\t" : " ";
      switch (rng.Below(4)) {
        case 0:
          s += "\"" + Word(rng) + (rng.OneIn(2) ? "\\x4a\\n" : "") + "\"";
          break;
        case 1:
          s += "'" + Word(rng) + (rng.OneIn(2) ? "\\'" : "") + "'";
          break;
        default:
          s += Word(rng);
          break;
      }
    }
    s += rng.OneIn(2) ? "\r\n" : "\n";
    return s;
  }
  s = "*" + std::to_string(n) + "\r\n";
  for (size_t i = 0; i < n; ++i) {
    std::string w = Word(rng);
    if (rng.OneIn(20)) w.assign(rng.Below(300), 'v');
    s += "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
  }
  return s;
}

std::string Reply(Rng& rng, int depth) {
  switch (rng.Below(depth > 3 ? 12 : 17)) {
    case 0:
      return "+OK\r\n";
    case 1:
      return "-ERR " + Word(rng) + "\r\n";
    case 2:
      return ":" + Number(rng) + "\r\n";
    case 3: {
      std::string w = Word(rng);
      return "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
    }
    case 4:
      return "$-1\r\n";
    case 5:
      return "_\r\n";
    case 6:
      return rng.OneIn(2) ? ",1.5\r\n" : ",-inf\r\n";
    case 7:
      return rng.OneIn(2) ? "#t\r\n" : "#f\r\n";
    case 8:
      return "(12345678901234567890123\r\n";
    case 9:
      return "=8\r\ntxt:abcd\r\n";
    case 10:
      return "!5\r\nERR x\r\n";
    case 11:
      return "*-1\r\n";
    default: {
      static constexpr char kAgg[] = {'*', '%', '~', '>', '|'};
      char t = kAgg[rng.Below(std::size(kAgg))];
      size_t n = rng.Below(4);
      std::string s = t + std::to_string(n) + "\r\n";
      size_t items = (t == '%' || t == '|') ? 2 * n : n;
      for (size_t i = 0; i < items; ++i) s += Reply(rng, depth + 1);
      if (t == '|') s += Reply(rng, depth + 1);  // the value the attribute annotates
      return s;
    }
  }
}

void Mutate(Rng& rng, std::string& s) {
  size_t n = rng.Below(4);
  for (size_t i = 0; i < n; ++i) {
    size_t at = rng.Below(s.size() + 1);
    switch (rng.Below(4)) {
      case 0:
        if (at < s.size()) s[at] = static_cast<char>(rng.Next());
        break;
      case 1:
        if (at < s.size()) s.erase(at, 1 + rng.Below(3));
        break;
      case 2: {
        std::string_view t = kTokens[rng.Below(std::size(kTokens))];
        s.insert(at, t);
        break;
      }
      default:
        s.insert(at, Number(rng));
        break;
    }
  }
}

std::string Generate(Rng& rng) {
  std::string s;
  switch (rng.Below(5)) {
    case 0:
      return RandomBytes(rng, 256);
    case 1:
      s = TokenSoup(rng);
      break;
    case 2: {
      // Two leading bytes for targets that read options first.
      s.push_back(static_cast<char>(rng.Next()));
      s.push_back(static_cast<char>(rng.Next()));
      size_t n = 1 + rng.Below(5);
      for (size_t i = 0; i < n; ++i) s += Request(rng);
      break;
    }
    case 3: {
      size_t n = 1 + rng.Below(3);
      for (size_t i = 0; i < n; ++i) s += Reply(rng, 0);
      break;
    }
    default:
      s = rng.OneIn(2) ? "xx" + Request(rng) + Request(rng) : Reply(rng, 0);
      Mutate(rng, s);
      return s;
  }
  if (rng.OneIn(3)) Mutate(rng, s);
  return s;
}

bool ReadFile(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  uint64_t iterations = 200000;
  double seconds = 10;
  uint64_t seed = 20240601;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 13) == "--iterations=") {
      iterations = std::strtoull(argv[i] + 13, nullptr, 10);
    } else if (a.substr(0, 10) == "--seconds=") {
      seconds = std::strtod(argv[i] + 10, nullptr);
    } else if (a.substr(0, 7) == "--seed=") {
      seed = std::strtoull(argv[i] + 7, nullptr, 10);
    } else {
      files.push_back(argv[i]);
    }
  }

  for (const char* path : files) {
    std::string data;
    if (!ReadFile(path, &data)) {
      std::fprintf(stderr, "cannot read %s\n", path);
      return 1;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    std::printf("replayed %s (%zu bytes)\n", path, data.size());
  }
  if (!files.empty()) return 0;

  // The corpus is a pure function of the seed, so a failure reproduces with
  // the same --seed; the time cap only shortens the run on slow machines.
  Rng rng(seed);
  auto start = std::chrono::steady_clock::now();
  uint64_t done = 0;
  size_t bytes = 0;
  for (; done < iterations; ++done) {
    std::string input = Generate(rng);
    bytes += input.size();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    if ((done & 1023) == 0) {
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      if (elapsed.count() > seconds) break;
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%s: %llu inputs, %zu bytes, %.2f s, seed %llu\n", argv[0],
              static_cast<unsigned long long>(done), bytes, elapsed.count(),
              static_cast<unsigned long long>(seed));
  return 0;
}
