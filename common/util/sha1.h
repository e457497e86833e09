// SHA-1 (FIPS 180-1), for DEBUG DIGEST, which must reproduce Redis's digests
// byte for byte. Not for security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

class Sha1 {
 public:
  using Digest = std::array<uint8_t, 20>;

  Sha1() { Reset(); }
  void Reset();
  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Pads, returns the digest and leaves the object to be Reset.
  Digest Final();

  static Digest Hash(const void* data, size_t len) {
    Sha1 h;
    h.Update(data, len);
    return h.Final();
  }

 private:
  void Block(const uint8_t* p);
  uint32_t state_[5];
  uint64_t length_ = 0;  // bytes hashed so far
  uint8_t buf_[64];
  size_t used_ = 0;  // bytes waiting in buf_
};

// Lower-case hex of a digest (40 characters), as DEBUG DIGEST prints it.
std::string HexDigest(const Sha1::Digest& d);

}  // namespace vigil
