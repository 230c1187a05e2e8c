#include "fl_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace fl {

const JValue* JObject::get(const char* key) const {
  for (int i = 0; i < count; ++i) {
    if (strcmp(fields[i].key, key) == 0) return &fields[i].value;
  }
  return NULL;
}

namespace {

struct Cursor {
  const char* p;
  const char* end;
};

void skip_ws(Cursor& c) {
  while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r' || *c.p == '\n')) ++c.p;
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Appends one code point as UTF-8; false if it does not fit.
bool put_utf8(char* out, size_t cap, size_t& n, unsigned cp) {
  char buf[4];
  size_t k;
  if (cp < 0x80) { buf[0] = (char)cp; k = 1; }
  else if (cp < 0x800) { buf[0] = (char)(0xC0 | (cp >> 6)); buf[1] = (char)(0x80 | (cp & 0x3F)); k = 2; }
  else { buf[0] = (char)(0xE0 | (cp >> 12)); buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
         buf[2] = (char)(0x80 | (cp & 0x3F)); k = 3; }
  if (n + k >= cap) return false;
  memcpy(out + n, buf, k);
  n += k;
  return true;
}

const char* read_string(Cursor& c, char* out, size_t cap) {
  if (c.p >= c.end || *c.p != '"') return "expected a string";
  ++c.p;
  size_t n = 0;
  while (c.p < c.end) {
    unsigned char ch = (unsigned char)*c.p++;
    if (ch == '"') { out[n] = '\0'; return NULL; }
    if (ch < 0x20) return "control character in string";
    if (ch != '\\') {
      if (n + 1 >= cap) return "string too long";
      out[n++] = (char)ch;
      continue;
    }
    if (c.p >= c.end) break;
    char esc = *c.p++;
    unsigned cp;
    switch (esc) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u': {
        if (c.end - c.p < 4) return "bad \\u escape";
        cp = 0;
        for (int i = 0; i < 4; ++i) {
          int h = hex_value(c.p[i]);
          if (h < 0) return "bad \\u escape";
          cp = cp * 16 + (unsigned)h;
        }
        c.p += 4;
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return "unsupported \\u escape";
        break;
      }
      default: return "bad escape in string";
    }
    if (!put_utf8(out, cap, n, cp)) return "string too long";
  }
  return "unterminated string";
}

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

const char* read_number(Cursor& c, JValue& v) {
  const char* start = c.p;
  bool integer = true;
  if (c.p < c.end && *c.p == '-') ++c.p;
  if (c.p >= c.end || !is_digit(*c.p)) return "bad number";
  if (*c.p == '0') ++c.p;
  else while (c.p < c.end && is_digit(*c.p)) ++c.p;
  if (c.p < c.end && *c.p == '.') {
    integer = false;
    ++c.p;
    if (c.p >= c.end || !is_digit(*c.p)) return "bad number";
    while (c.p < c.end && is_digit(*c.p)) ++c.p;
  }
  if (c.p < c.end && (*c.p == 'e' || *c.p == 'E')) {
    integer = false;
    ++c.p;
    if (c.p < c.end && (*c.p == '+' || *c.p == '-')) ++c.p;
    if (c.p >= c.end || !is_digit(*c.p)) return "bad number";
    while (c.p < c.end && is_digit(*c.p)) ++c.p;
  }
  size_t len = (size_t)(c.p - start);
  if (len > 24) return "number too long";
  char buf[32];
  memcpy(buf, start, len);
  buf[len] = '\0';
  v.type = J_NUMBER;
  v.is_integer = false;
  v.integer = 0;
  if (integer) {
    // 18 digits always fit in int64; longer integers are kept as "not an integer".
    size_t digits = len - (buf[0] == '-' ? 1 : 0);
    if (digits <= 18) {
      v.is_integer = true;
      v.integer = strtoll(buf, NULL, 10);
    }
  }
  return NULL;
}

bool match_word(Cursor& c, const char* word) {
  size_t n = strlen(word);
  if ((size_t)(c.end - c.p) < n || memcmp(c.p, word, n) != 0) return false;
  c.p += n;
  return true;
}

const char* read_value(Cursor& c, JValue& v) {
  if (c.p >= c.end) return "expected a value";
  char ch = *c.p;
  v.str[0] = '\0';
  if (ch == '"') { v.type = J_STRING; return read_string(c, v.str, sizeof v.str); }
  if (ch == '{' || ch == '[') return "nested values are not supported";
  if (match_word(c, "true")) { v.type = J_BOOL; v.boolean = true; return NULL; }
  if (match_word(c, "false")) { v.type = J_BOOL; v.boolean = false; return NULL; }
  if (match_word(c, "null")) { v.type = J_NULL; return NULL; }
  if (ch == '-' || is_digit(ch)) return read_number(c, v);
  return "unexpected character";
}

}  // namespace

const char* parse_object(const char* text, size_t len, JObject& out) {
  Cursor c = {text, text + len};
  out.count = 0;
  skip_ws(c);
  if (c.p >= c.end || *c.p != '{') return "expected an object";
  ++c.p;
  skip_ws(c);
  if (c.p < c.end && *c.p == '}') {
    ++c.p;
  } else {
    for (;;) {
      if (out.count >= kMaxFields) return "too many fields";
      JField& f = out.fields[out.count];
      skip_ws(c);
      const char* err = read_string(c, f.key, sizeof f.key);
      if (err) return strcmp(err, "string too long") == 0 ? "key too long" : err;
      for (int i = 0; i < out.count; ++i) {
        if (strcmp(out.fields[i].key, f.key) == 0) return "duplicate key";
      }
      skip_ws(c);
      if (c.p >= c.end || *c.p != ':') return "expected ':'";
      ++c.p;
      skip_ws(c);
      err = read_value(c, f.value);
      if (err) return err;
      ++out.count;
      skip_ws(c);
      if (c.p < c.end && *c.p == ',') { ++c.p; continue; }
      if (c.p < c.end && *c.p == '}') { ++c.p; break; }
      return "expected ',' or '}'";
    }
  }
  skip_ws(c);
  if (c.p != c.end) return "trailing characters";
  return NULL;
}

bool append_json_string(char* out, size_t cap, const char* s) {
  size_t n = strlen(out);
  if (n + 1 >= cap) return false;
  out[n++] = '"';
  for (; *s; ++s) {
    unsigned char ch = (unsigned char)*s;
    char esc[8];
    size_t k = 0;
    if (ch == '"' || ch == '\\') { esc[0] = '\\'; esc[1] = (char)ch; k = 2; }
    else if (ch < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", ch); k = 6; }
    else { esc[0] = (char)ch; k = 1; }
    if (n + k + 1 >= cap) { out[n] = '\0'; return false; }
    memcpy(out + n, esc, k);
    n += k;
  }
  if (n + 2 > cap) { out[n] = '\0'; return false; }
  out[n++] = '"';
  out[n] = '\0';
  return true;
}

}  // namespace fl
