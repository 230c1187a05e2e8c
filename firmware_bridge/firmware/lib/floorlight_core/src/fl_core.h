// Floorlight desk-light core: command parsing, the light's state, the TTL fail-safe and
// LED rendering. No Arduino, no heap: the same code runs on the ESP32 and in the host
// tests (firmware_bridge/firmware/host/harness.cpp, driven by tests/bridge/).
#ifndef FL_CORE_H
#define FL_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "fl_json.h"

namespace fl {

struct Rgb {
  uint8_t r, g, b;
};
inline bool operator==(const Rgb& a, const Rgb& b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

enum Effect { EFFECT_SOLID, EFFECT_BLINK, EFFECT_PULSE, EFFECT_OFF };

struct Look {
  Rgb color;
  Effect effect;
  uint16_t period_ms;
  uint8_t brightness;
};

const char* effect_name(Effect e);
// What a light shows on its own when it has heard nothing within its TTL (and at boot):
// a slow, dim white breathe.
Look stale_look();

struct Config {
  char desk[33];
  char prefix[65];
  char wifi_ssid[33];
  char wifi_pass[65];
  char mqtt_url[129];
};
void default_config(Config& c);

const size_t kMaxLine = 384;
const uint32_t kDefaultTtlS = 30;

class Controller {
 public:
  Controller(const char* fw_version, const Config& config);

  // One line (no newline). Writes a reply (no newline) into reply and returns its
  // length; 0 means no reply (blank line).
  size_t handle_line(const char* line, size_t len, uint32_t now_ms, char* reply, size_t cap);

  // Reply for a line the LineBuffer had to drop for being longer than kMaxLine.
  size_t overflow(char* reply, size_t cap) { return error("line too long", reply, cap); }

  // The colour to put on the LEDs now (brightness and effect applied).
  Rgb render(uint32_t now_ms) const;
  bool stale(uint32_t now_ms) const;
  const Look& look() const { return look_; }
  uint32_t ttl_s() const { return ttl_s_; }
  bool has_seq() const { return has_seq_; }
  uint32_t last_seq() const { return last_seq_; }
  uint32_t commands() const { return commands_; }
  uint32_t errors() const { return errors_; }
  const Config& config() const { return config_; }
  // True once after a config command changed the settings (the platform saves them).
  bool take_config_changed();

 private:
  size_t light_command(const JObject& obj, uint32_t now_ms, char* reply, size_t cap);
  size_t config_command(const JObject& obj, char* reply, size_t cap);
  size_t pong(char* reply, size_t cap);
  size_t error(const char* message, char* reply, size_t cap);

  const char* fw_;
  Config config_;
  Look look_;
  bool heard_;               // any valid command or ping since boot
  uint32_t last_heard_ms_;   // when the TTL last started
  uint32_t effect_start_ms_; // phase origin of blink/pulse
  uint32_t ttl_s_;
  bool has_seq_;
  uint32_t last_seq_;
  uint32_t commands_;
  uint32_t errors_;
  bool config_changed_;
  JObject scratch_;          // kept off the (small) loop stack
};

// Renders a look at a moment: t_ms since the effect started.
Rgb render_look(const Look& look, uint32_t t_ms);

// Splits a byte stream into lines of at most kMaxLine bytes; strips a trailing '\r'.
class LineBuffer {
 public:
  LineBuffer() : len_(0), overflow_(false) {}
  // Feed one byte. Returns true when a line is complete: *line/*len point at it (valid
  // until the next feed) and *overflow says it was too long (and was dropped).
  bool feed(char c, const char** line, size_t* len, bool* overflow);

 private:
  char buf_[kMaxLine + 1];
  size_t len_;
  bool overflow_;
};

// Capped exponential backoff for Wi-Fi and MQTT reconnects.
class Backoff {
 public:
  Backoff(uint32_t initial_ms, uint32_t cap_ms) : initial_(initial_ms), cap_(cap_ms), next_(initial_ms) {}
  uint32_t next();
  void reset() { next_ = initial_; }

 private:
  uint32_t initial_, cap_, next_;
};

// "mqtt://[user:pass@]host[:port]" → parts. Returns false (and leaves outputs unspecified)
// for anything else.
bool parse_mqtt_url(const char* url, char* host, size_t host_cap, uint16_t* port,
                    char* user, size_t user_cap, char* pass, size_t pass_cap);

// <prefix>/desk/<desk>/light/{set,status,reply}; false if a buffer is too small or the
// desk is unset.
bool light_topics(const Config& c, char* set, char* status, char* reply, size_t cap);

}  // namespace fl

#endif
