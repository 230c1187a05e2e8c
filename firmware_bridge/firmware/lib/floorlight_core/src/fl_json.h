// Minimal strict JSON reader for Floorlight's one-line commands: a flat object of
// strings, numbers, booleans and nulls. No heap, no recursion, fixed limits; anything
// else is rejected with a short reason. Plain C++11 so it builds for ESP32 and the host.
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stddef.h>
#include <stdint.h>

namespace fl {

enum JType { J_STRING, J_NUMBER, J_BOOL, J_NULL };

struct JValue {
  JType type;
  char str[130];       // J_STRING, NUL-terminated UTF-8
  bool boolean;        // J_BOOL
  bool is_integer;     // J_NUMBER without fraction or exponent, within int64
  long long integer;   // valid when is_integer
};

struct JField {
  char key[24];
  JValue value;
};

const int kMaxFields = 10;

struct JObject {
  JField fields[kMaxFields];
  int count;
  const JValue* get(const char* key) const;
};

// Parses text[0..len) as one object. Returns NULL on success, else a static message.
const char* parse_object(const char* text, size_t len, JObject& out);

// Appends s to out as a JSON string (with quotes), escaping as needed. Returns false
// when it does not fit in cap (out stays NUL-terminated).
bool append_json_string(char* out, size_t cap, const char* s);

}  // namespace fl

#endif
