// Host-side harness for the firmware core, used by tests/bridge/test_firmware_host.py.
//
// Scripted mode (default): reads lines from stdin with a fake clock. Lines starting with
// '@' are directives; every other line is fed byte by byte (plus '\n') through the same
// LineBuffer and Controller the ESP32 uses, and the reply is printed ("-" for none).
//   @at MS | @advance MS       set / move the fake clock (uint32, wraps like millis())
//   @render                    print "rgb R G B" for the LEDs now
//   @state                     print the light's state
//   @config                    print the stored settings
//   @raw HEX                   feed raw bytes (hex) through the LineBuffer
//   @backoff INITIAL CAP N     print N successive backoff delays
//   @mqtturl URL               print the parsed MQTT URL or "invalid"
//   @topics                    print the MQTT topics for the current config
//
// Realtime mode (--realtime): a device on a pseudo-terminal. Bytes from stdin, replies
// to stdout, steady clock; --boot-noise prints ROM-style boot lines first.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "fl_core.h"

namespace {

const char* kFw = "1.0.0-host";
char g_reply[512];

void print_reply(size_t n) {
  if (n == 0) printf("-\n");
  else printf("%.*s\n", (int)n, g_reply);
}

void feed_bytes(fl::Controller& ctl, fl::LineBuffer& lines, const char* data, size_t len,
                uint32_t now, bool print_none) {
  for (size_t i = 0; i < len; ++i) {
    const char* line;
    size_t n;
    bool overflow;
    if (!lines.feed(data[i], &line, &n, &overflow)) continue;
    size_t r = overflow ? ctl.overflow(g_reply, sizeof g_reply)
                        : ctl.handle_line(line, n, now, g_reply, sizeof g_reply);
    if (r || print_none) print_reply(r);
  }
}

int scripted(fl::Controller& ctl) {
  fl::LineBuffer lines;
  uint32_t now = 0;
  std::string input;
  char chunk[4096];
  // Read whole lines of any length (a test may send a line longer than kMaxLine).
  while (fgets(chunk, sizeof chunk, stdin)) {
    input += chunk;
    if (input.empty() || input[input.size() - 1] != '\n') continue;
    input.erase(input.size() - 1);
    const char* s = input.c_str();
    if (s[0] != '@') {
      std::string with_newline = input + "\n";
      feed_bytes(ctl, lines, with_newline.data(), with_newline.size(), now, true);
    } else if (!strncmp(s, "@at ", 4)) {
      now = (uint32_t)strtoul(s + 4, NULL, 10);
    } else if (!strncmp(s, "@advance ", 9)) {
      now += (uint32_t)strtoul(s + 9, NULL, 10);
    } else if (!strcmp(s, "@render")) {
      fl::Rgb c = ctl.render(now);
      printf("rgb %u %u %u\n", c.r, c.g, c.b);
    } else if (!strcmp(s, "@state")) {
      const fl::Look& l = ctl.look();
      printf("mode=%s effect=%s color=#%02X%02X%02X period=%u brightness=%u ttl=%lu seq=%s%lu "
             "commands=%lu errors=%lu\n",
             ctl.stale(now) ? "stale" : "active", fl::effect_name(l.effect), l.color.r, l.color.g,
             l.color.b, l.period_ms, l.brightness, (unsigned long)ctl.ttl_s(),
             ctl.has_seq() ? "" : "none:", (unsigned long)ctl.last_seq(),
             (unsigned long)ctl.commands(), (unsigned long)ctl.errors());
    } else if (!strcmp(s, "@config")) {
      const fl::Config& c = ctl.config();
      printf("desk=%s prefix=%s ssid=%s pass=%s mqtt=%s changed=%d\n", c.desk, c.prefix,
             c.wifi_ssid, c.wifi_pass[0] ? "set" : "unset", c.mqtt_url, ctl.take_config_changed());
    } else if (!strncmp(s, "@raw ", 5)) {
      std::string bytes;
      for (const char* p = s + 5; p[0] && p[1]; p += 2) {
        char hex[3] = {p[0], p[1], 0};
        bytes += (char)strtoul(hex, NULL, 16);
      }
      feed_bytes(ctl, lines, bytes.data(), bytes.size(), now, false);
    } else if (!strncmp(s, "@backoff ", 9)) {
      unsigned long initial, cap, count;
      if (sscanf(s + 9, "%lu %lu %lu", &initial, &cap, &count) != 3) return 2;
      fl::Backoff b((uint32_t)initial, (uint32_t)cap);
      for (unsigned long i = 0; i < count; ++i) printf("%s%lu", i ? " " : "", (unsigned long)b.next());
      b.reset();
      printf(" reset=%lu\n", (unsigned long)b.next());
    } else if (!strncmp(s, "@mqtturl ", 9)) {
      char host[64], user[33], pass[65];
      uint16_t port;
      if (fl::parse_mqtt_url(s + 9, host, sizeof host, &port, user, sizeof user, pass, sizeof pass))
        printf("host=%s port=%u user=%s pass=%s\n", host, port, user, pass);
      else
        printf("invalid\n");
    } else if (!strcmp(s, "@topics")) {
      char set[200], status[200], reply[200];
      if (fl::light_topics(ctl.config(), set, status, reply, sizeof set))
        printf("%s %s %s\n", set, status, reply);
      else
        printf("no topics\n");
    } else {
      fprintf(stderr, "unknown directive: %s\n", s);
      return 2;
    }
    fflush(stdout);
    input.clear();
  }
  return 0;
}

int realtime(fl::Controller& ctl, bool boot_noise) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (boot_noise) {
    printf("ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
  }
  fl::LineBuffer lines;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  char buf[256];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) return 0;
    uint32_t now = (uint32_t)std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - t0).count();
    for (ssize_t i = 0; i < n; ++i) {
      const char* line;
      size_t len;
      bool overflow;
      if (!lines.feed(buf[i], &line, &len, &overflow)) continue;
      size_t r = overflow ? ctl.overflow(g_reply, sizeof g_reply)
                          : ctl.handle_line(line, len, now, g_reply, sizeof g_reply);
      if (r) {
        g_reply[r] = '\n';
        if (write(1, g_reply, r + 1) < 0) return 1;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  fl::Config config;
  fl::default_config(config);
  bool rt = false, noise = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--realtime")) rt = true;
    else if (!strcmp(argv[i], "--boot-noise")) noise = true;
    else if (!strcmp(argv[i], "--desk") && i + 1 < argc) snprintf(config.desk, sizeof config.desk, "%s", argv[++i]);
    else { fprintf(stderr, "usage: harness [--realtime [--boot-noise]] [--desk ID]\n"); return 2; }
  }
  fl::Controller ctl(kFw, config);
  return rt ? realtime(ctl, noise) : scripted(ctl);
}
