// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's dataset fingerprint (debug.c),
// reproduced bit for bit so a vigil dataset can be compared with a Redis one.
//
// Unordered collections (the keyspace, sets, hashes, sorted sets) XOR the
// SHA-1 of their elements, so iteration order does not matter; lists and the
// parts of one element are "mixed" (XOR then re-hash), so order does. Only
// logical contents enter: vigil's encodings (listpack, intset, quicklist,
// skiplist) never show, and a TTL adds "!!expire!!" but not its time.
#pragma once

#include <string_view>
#include <vector>

#include "common/util/sha1.h"
#include "server/db/database.h"
#include "server/db/object.h"

namespace vigil::server {

using Digest = Sha1::Digest;  // all zero = empty

// DEBUG DIGEST-VALUE of one value (Redis's xorObjectDigest from zero):
// the type, the contents, and whether the key has a TTL.
Digest ValueDigest(const Object& value, bool has_expire);

// DEBUG DIGEST of one key/value pair as it enters the dataset digest.
Digest KeyValueDigest(std::string_view key, const Object& value, bool has_expire);

// DEBUG DIGEST: every non-empty database in order (its index mixed in),
// expired-but-present keys included as Redis does. Zero when all are empty.
Digest DatasetDigest(const std::vector<Database>& dbs);

}  // namespace vigil::server
