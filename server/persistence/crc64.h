// CRC-64/Jones, the checksum Redis puts at the end of an RDB file (reflected,
// initial value 0, no final xor): crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::server {

uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace vigil::server
