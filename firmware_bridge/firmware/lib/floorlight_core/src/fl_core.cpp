#include "fl_core.h"

#include <stdio.h>
#include <string.h>

namespace fl {

namespace {

const char* const kEffectNames[] = {"solid", "blink", "pulse", "off"};

bool copy_bounded(char* out, size_t cap, const char* s) {
  size_t n = strlen(s);
  if (n + 1 > cap) return false;
  memcpy(out, s, n + 1);
  return true;
}

int hex_nibble(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

bool parse_color(const char* s, Rgb* out) {
  if (strlen(s) != 7 || s[0] != '#') return false;
  uint8_t v[3];
  for (int i = 0; i < 3; ++i) {
    int hi = hex_nibble(s[1 + 2 * i]), lo = hex_nibble(s[2 + 2 * i]);
    if (hi < 0 || lo < 0) return false;
    v[i] = (uint8_t)(hi * 16 + lo);
  }
  out->r = v[0];
  out->g = v[1];
  out->b = v[2];
  return true;
}

// An integer field within [lo, hi]; absent → def. Returns false if present but invalid.
bool int_field(const JObject& obj, const char* key, long long lo, long long hi, long long def,
               long long* out) {
  const JValue* v = obj.get(key);
  if (!v) { *out = def; return true; }
  if (v->type != J_NUMBER || !v->is_integer || v->integer < lo || v->integer > hi) return false;
  *out = v->integer;
  return true;
}

// Topic-safe text: printable ASCII without MQTT wildcards, '/', quotes or backslashes.
bool topic_safe(const char* s, bool allow_slash) {
  for (; *s; ++s) {
    unsigned char ch = (unsigned char)*s;
    if (ch <= 0x20 || ch >= 0x7F || ch == '+' || ch == '#' || ch == '"' || ch == '\\') return false;
    if (ch == '/' && !allow_slash) return false;
  }
  return true;
}

uint8_t scale(uint8_t c, unsigned level) { return (uint8_t)((c * level + 127) / 255); }

}  // namespace

const char* effect_name(Effect e) { return kEffectNames[e]; }

Look stale_look() {
  Look l = {{255, 255, 255}, EFFECT_PULSE, 4000, 40};
  return l;
}

void default_config(Config& c) {
  memset(&c, 0, sizeof c);
  copy_bounded(c.prefix, sizeof c.prefix, "floorlight");
}

Rgb render_look(const Look& look, uint32_t t_ms) {
  Rgb black = {0, 0, 0};
  if (look.effect == EFFECT_OFF || look.brightness == 0) return black;
  unsigned level = look.brightness;
  uint32_t period = look.period_ms ? look.period_ms : 1000;
  uint32_t phase = t_ms % period;
  if (look.effect == EFFECT_BLINK) {
    if (phase >= period / 2) return black;
  } else if (look.effect == EFFECT_PULSE) {
    // Triangle wave 10%..100% of brightness: a breathe that never reads as "off".
    uint32_t tri = phase < period / 2 ? (phase * 1000) / (period / 2)
                                      : ((period - phase) * 1000) / (period - period / 2);
    level = (look.brightness * (100 + (900 * tri) / 1000)) / 1000;
  }
  Rgb out = {scale(look.color.r, level), scale(look.color.g, level), scale(look.color.b, level)};
  return out;
}

Controller::Controller(const char* fw_version, const Config& config)
    : fw_(fw_version), config_(config), look_(stale_look()), heard_(false), last_heard_ms_(0),
      effect_start_ms_(0), ttl_s_(kDefaultTtlS), has_seq_(false), last_seq_(0), commands_(0),
      errors_(0), config_changed_(false) {
  scratch_.count = 0;
}

bool Controller::stale(uint32_t now_ms) const {
  // Unsigned subtraction: correct across millis() wrap-around (every ~49.7 days).
  return !heard_ || (uint32_t)(now_ms - last_heard_ms_) >= ttl_s_ * 1000u;
}

Rgb Controller::render(uint32_t now_ms) const {
  if (stale(now_ms)) return render_look(stale_look(), now_ms);
  return render_look(look_, now_ms - effect_start_ms_);
}

bool Controller::take_config_changed() {
  bool changed = config_changed_;
  config_changed_ = false;
  return changed;
}

size_t Controller::error(const char* message, char* reply, size_t cap) {
  ++errors_;
  reply[0] = '\0';
  int n = snprintf(reply, cap, "{\"ok\":false,\"error\":");
  if (n < 0 || (size_t)n >= cap) return 0;
  append_json_string(reply, cap, message);
  size_t len = strlen(reply);
  if (len + 2 > cap) return 0;
  reply[len++] = '}';
  reply[len] = '\0';
  return len;
}

size_t Controller::pong(char* reply, size_t cap) {
  reply[0] = '\0';
  copy_bounded(reply, cap, "{\"pong\":true,\"fw\":");
  append_json_string(reply, cap, fw_);
  size_t len = strlen(reply);
  if (len + 8 >= cap) return 0;
  strcat(reply, ",\"desk\":");
  append_json_string(reply, cap, config_.desk);
  len = strlen(reply);
  if (len + 2 > cap) return 0;
  reply[len++] = '}';
  reply[len] = '\0';
  return len;
}

size_t Controller::handle_line(const char* line, size_t len, uint32_t now_ms, char* reply,
                               size_t cap) {
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) --len;
  size_t start = 0;
  while (start < len && (line[start] == ' ' || line[start] == '\t')) ++start;
  if (start == len) return 0;
  if (len > kMaxLine) return error("line too long", reply, cap);
  const char* err = parse_object(line + start, len - start, scratch_);
  if (err) {
    char message[64];
    snprintf(message, sizeof message, "bad json: %s", err);
    return error(message, reply, cap);
  }
  const JValue* cmd = scratch_.get("cmd");
  if (!cmd) return light_command(scratch_, now_ms, reply, cap);
  if (cmd->type != J_STRING) return error("cmd must be a string", reply, cap);
  if (strcmp(cmd->str, "ping") == 0) {
    if (scratch_.count != 1) return error("ping takes no arguments", reply, cap);
    heard_ = true;
    last_heard_ms_ = now_ms;  // a ping keeps the light alive, like a command
    return pong(reply, cap);
  }
  if (strcmp(cmd->str, "config") == 0) return config_command(scratch_, reply, cap);
  return error("unknown cmd", reply, cap);
}

size_t Controller::light_command(const JObject& obj, uint32_t now_ms, char* reply, size_t cap) {
  static const char* const allowed[] = {"color", "effect", "period_ms", "brightness", "ttl_s", "seq"};
  for (int i = 0; i < obj.count; ++i) {
    bool known = false;
    for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; ++k) {
      if (strcmp(obj.fields[i].key, allowed[k]) == 0) known = true;
    }
    if (!known) {
      char message[48];
      snprintf(message, sizeof message, "unknown key: %.24s", obj.fields[i].key);
      return error(message, reply, cap);
    }
  }
  // Validate everything before changing anything: a bad command leaves the light as it was.
  Look next = look_;
  next.effect = EFFECT_SOLID;
  const JValue* effect = obj.get("effect");
  if (effect) {
    if (effect->type != J_STRING) return error("bad effect", reply, cap);
    bool found = false;
    for (int e = 0; e < 4; ++e) {
      if (strcmp(effect->str, kEffectNames[e]) == 0) { next.effect = (Effect)e; found = true; }
    }
    if (!found) return error("bad effect", reply, cap);
  }
  const JValue* color = obj.get("color");
  if (color) {
    if (color->type != J_STRING || !parse_color(color->str, &next.color)) return error("bad color", reply, cap);
  } else if (next.effect != EFFECT_OFF) {
    return error("missing color", reply, cap);
  } else {
    Rgb black = {0, 0, 0};
    next.color = black;
  }
  long long period, brightness, ttl, seq;
  if (!int_field(obj, "period_ms", 100, 10000, 1000, &period)) return error("bad period_ms", reply, cap);
  if (!int_field(obj, "brightness", 0, 255, 255, &brightness)) return error("bad brightness", reply, cap);
  if (!int_field(obj, "ttl_s", 1, 3600, kDefaultTtlS, &ttl)) return error("bad ttl_s", reply, cap);
  if (!int_field(obj, "seq", 0, 4294967295LL, -1, &seq)) return error("bad seq", reply, cap);
  next.period_ms = (uint16_t)period;
  next.brightness = (uint8_t)brightness;

  bool same = heard_ && !stale(now_ms) && next.effect == look_.effect && next.color == look_.color &&
              next.period_ms == look_.period_ms && next.brightness == look_.brightness;
  if (!same) effect_start_ms_ = now_ms;  // a heartbeat must not restart a blink mid-cycle
  look_ = next;
  ttl_s_ = (uint32_t)ttl;
  heard_ = true;
  last_heard_ms_ = now_ms;
  ++commands_;
  has_seq_ = seq >= 0;
  if (has_seq_) last_seq_ = (uint32_t)seq;
  int n = has_seq_ ? snprintf(reply, cap, "{\"ok\":true,\"seq\":%lu}", (unsigned long)last_seq_)
                   : snprintf(reply, cap, "{\"ok\":true}");
  return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

size_t Controller::config_command(const JObject& obj, char* reply, size_t cap) {
  Config next = config_;
  for (int i = 0; i < obj.count; ++i) {
    const JField& f = obj.fields[i];
    if (strcmp(f.key, "cmd") == 0) continue;
    if (f.value.type != J_STRING) return error("config values must be strings", reply, cap);
    const char* v = f.value.str;
    bool ok;
    if (strcmp(f.key, "desk") == 0) ok = topic_safe(v, false) && copy_bounded(next.desk, sizeof next.desk, v);
    else if (strcmp(f.key, "prefix") == 0) ok = *v && topic_safe(v, true) && copy_bounded(next.prefix, sizeof next.prefix, v);
    else if (strcmp(f.key, "wifi_ssid") == 0) ok = copy_bounded(next.wifi_ssid, sizeof next.wifi_ssid, v);
    else if (strcmp(f.key, "wifi_pass") == 0) ok = copy_bounded(next.wifi_pass, sizeof next.wifi_pass, v);
    else if (strcmp(f.key, "mqtt") == 0) {
      char host[64], user[33], pass[65];
      uint16_t port;
      ok = (*v == '\0' || parse_mqtt_url(v, host, sizeof host, &port, user, sizeof user, pass, sizeof pass)) &&
           copy_bounded(next.mqtt_url, sizeof next.mqtt_url, v);
    } else {
      char message[48];
      snprintf(message, sizeof message, "unknown key: %.24s", f.key);
      return error(message, reply, cap);
    }
    if (!ok) {
      char message[48];
      snprintf(message, sizeof message, "bad %.24s", f.key);
      return error(message, reply, cap);
    }
  }
  config_ = next;
  config_changed_ = true;
  return (size_t)snprintf(reply, cap, "{\"ok\":true}");
}

bool LineBuffer::feed(char c, const char** line, size_t* len, bool* overflow) {
  if (c == '\n') {
    size_t n = len_;
    if (n > 0 && buf_[n - 1] == '\r') --n;
    buf_[n] = '\0';
    *line = buf_;
    *len = n;
    *overflow = overflow_;
    len_ = 0;
    overflow_ = false;
    return true;
  }
  if (overflow_) return false;
  if (len_ >= kMaxLine) {
    overflow_ = true;  // drop the rest of this line, report it when it ends
    return false;
  }
  buf_[len_++] = c;
  return false;
}

uint32_t Backoff::next() {
  uint32_t delay = next_;
  next_ = next_ > cap_ / 2 ? cap_ : next_ * 2;
  return delay;
}

bool parse_mqtt_url(const char* url, char* host, size_t host_cap, uint16_t* port, char* user,
                    size_t user_cap, char* pass, size_t pass_cap) {
  const char* scheme = "mqtt://";
  if (strncmp(url, scheme, strlen(scheme)) != 0) return false;
  const char* p = url + strlen(scheme);
  user[0] = pass[0] = '\0';
  const char* at = strchr(p, '@');
  if (at) {
    const char* colon = (const char*)memchr(p, ':', (size_t)(at - p));
    const char* user_end = colon ? colon : at;
    if ((size_t)(user_end - p) + 1 > user_cap) return false;
    memcpy(user, p, (size_t)(user_end - p));
    user[user_end - p] = '\0';
    if (colon) {
      if ((size_t)(at - colon - 1) + 1 > pass_cap) return false;
      memcpy(pass, colon + 1, (size_t)(at - colon - 1));
      pass[at - colon - 1] = '\0';
    }
    p = at + 1;
  }
  const char* colon = strchr(p, ':');
  const char* end = colon ? colon : p + strlen(p);
  if (end[0] == '\0' && end > p && end[-1] == '/') --end;  // tolerate a trailing slash
  size_t n = (size_t)(end - p);
  if (n == 0 || n + 1 > host_cap) return false;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '/' || p[i] == ' ') return false;
  }
  memcpy(host, p, n);
  host[n] = '\0';
  *port = 1883;
  if (colon) {
    unsigned long value = 0;
    const char* q = colon + 1;
    if (*q == '\0') return false;
    for (; *q && *q != '/'; ++q) {
      if (*q < '0' || *q > '9') return false;
      value = value * 10 + (unsigned long)(*q - '0');
      if (value > 65535) return false;
    }
    if (*q == '/' && q[1] != '\0') return false;
    if (value == 0) return false;
    *port = (uint16_t)value;
  }
  return true;
}

bool light_topics(const Config& c, char* set, char* status, char* reply, size_t cap) {
  if (c.desk[0] == '\0' || c.prefix[0] == '\0') return false;
  int a = snprintf(set, cap, "%s/desk/%s/light/set", c.prefix, c.desk);
  int b = snprintf(status, cap, "%s/desk/%s/light/status", c.prefix, c.desk);
  int d = snprintf(reply, cap, "%s/desk/%s/light/reply", c.prefix, c.desk);
  return a > 0 && b > 0 && d > 0 && (size_t)a < cap && (size_t)b < cap && (size_t)d < cap;
}

}  // namespace fl
