// Floorlight desk light for ESP32 / ESP32-S3 / ESP32-C3 (Arduino framework).
//
// All decisions — parsing, state, TTL fail-safe, rendering, backoff — live in
// lib/floorlight_core (tested on the host); this file only wires them to USB serial,
// Wi-Fi, MQTT (PubSubClient), NVS (Preferences) and the LEDs (Adafruit NeoPixel).
// It never restarts the chip: settings changes reconnect Wi-Fi/MQTT in place, so a USB
// host is never surprised by a reboot.
#include <Adafruit_NeoPixel.h>
#include <Arduino.h>
#include <Preferences.h>
#include <PubSubClient.h>
#include <WiFi.h>

#include "fl_core.h"

#ifndef FL_FW_VERSION
#define FL_FW_VERSION "1.0.0"
#endif
#ifndef FL_LED_PIN
#define FL_LED_PIN 8
#endif
#ifndef FL_LED_COUNT
#define FL_LED_COUNT 1
#endif
#ifndef FL_LED_TYPE
#define FL_LED_TYPE (NEO_GRB + NEO_KHZ800)
#endif

namespace {

const uint32_t kFrameMs = 20;  // 50 Hz rendering
const size_t kTopicCap = 160;

Preferences prefs;
fl::Config config;
fl::Controller* controller = NULL;
fl::LineBuffer serial_lines;
WiFiClient net;
PubSubClient mqtt(net);
Adafruit_NeoPixel strip(FL_LED_COUNT, FL_LED_PIN, FL_LED_TYPE);
fl::Backoff wifi_backoff(1000, 60000);
fl::Backoff mqtt_backoff(1000, 60000);
uint32_t next_wifi_try = 0;
uint32_t next_mqtt_try = 0;
uint32_t next_frame = 0;
bool wifi_started = false;
char topic_set[kTopicCap], topic_status[kTopicCap], topic_reply[kTopicCap];
char mqtt_host[64], mqtt_user[33], mqtt_pass[65];
uint16_t mqtt_port = 1883;
bool mqtt_configured = false;
char reply[512];
char client_id[48];

void load_config() {
  fl::default_config(config);
  prefs.begin("floorlight", true);
  prefs.getString("desk", config.desk, sizeof config.desk);
  if (prefs.getString("prefix", config.prefix, sizeof config.prefix) == 0) {
    snprintf(config.prefix, sizeof config.prefix, "floorlight");
  }
  prefs.getString("ssid", config.wifi_ssid, sizeof config.wifi_ssid);
  prefs.getString("pass", config.wifi_pass, sizeof config.wifi_pass);
  prefs.getString("mqtt", config.mqtt_url, sizeof config.mqtt_url);
  prefs.end();
}

void save_config(const fl::Config& c) {
  prefs.begin("floorlight", false);
  prefs.putString("desk", c.desk);
  prefs.putString("prefix", c.prefix);
  prefs.putString("ssid", c.wifi_ssid);
  prefs.putString("pass", c.wifi_pass);
  prefs.putString("mqtt", c.mqtt_url);
  prefs.end();
}

void apply_network_config(const fl::Config& c) {
  mqtt.disconnect();
  mqtt_configured = c.mqtt_url[0] != '\0' &&
                    fl::parse_mqtt_url(c.mqtt_url, mqtt_host, sizeof mqtt_host, &mqtt_port, mqtt_user,
                                       sizeof mqtt_user, mqtt_pass, sizeof mqtt_pass) &&
                    fl::light_topics(c, topic_set, topic_status, topic_reply, kTopicCap);
  if (mqtt_configured) mqtt.setServer(mqtt_host, mqtt_port);
  if (wifi_started) WiFi.disconnect();
  wifi_started = false;
  wifi_backoff.reset();
  mqtt_backoff.reset();
  next_wifi_try = next_mqtt_try = millis();
}

void send_reply_serial(size_t n) {
  if (n == 0) return;
  Serial.write(reinterpret_cast<const uint8_t*>(reply), n);
  Serial.write('\n');
}

void on_mqtt_message(char* topic, uint8_t* payload, unsigned int length) {
  if (strcmp(topic, topic_set) != 0) return;
  size_t n = controller->handle_line(reinterpret_cast<const char*>(payload), length, millis(), reply,
                                     sizeof reply);
  if (n) {
    reply[n] = '\0';
    mqtt.publish(topic_reply, reply, false);
  }
}

void poll_serial() {
  while (Serial.available() > 0) {
    const char* line;
    size_t len;
    bool overflow;
    if (!serial_lines.feed(static_cast<char>(Serial.read()), &line, &len, &overflow)) continue;
    size_t n = overflow ? controller->overflow(reply, sizeof reply)
                        : controller->handle_line(line, len, millis(), reply, sizeof reply);
    send_reply_serial(n);
  }
  if (controller->take_config_changed()) {
    save_config(controller->config());
    apply_network_config(controller->config());
  }
}

void poll_wifi(uint32_t now) {
  if (config.wifi_ssid[0] == '\0' || WiFi.status() == WL_CONNECTED) {
    if (WiFi.status() == WL_CONNECTED) wifi_backoff.reset();
    return;
  }
  if (static_cast<int32_t>(now - next_wifi_try) < 0) return;
  WiFi.disconnect();
  WiFi.begin(config.wifi_ssid, config.wifi_pass);
  wifi_started = true;
  next_wifi_try = now + wifi_backoff.next() + static_cast<uint32_t>(random(500));
}

void poll_mqtt(uint32_t now) {
  if (!mqtt_configured || WiFi.status() != WL_CONNECTED) return;
  if (mqtt.connected()) {
    mqtt.loop();
    return;
  }
  if (static_cast<int32_t>(now - next_mqtt_try) < 0) return;
  const char* user = mqtt_user[0] ? mqtt_user : NULL;
  const char* pass = mqtt_pass[0] ? mqtt_pass : NULL;
  // Last will: the broker marks this light offline (retained) if it drops off.
  if (mqtt.connect(client_id, user, pass, topic_status, 1, true, "offline")) {
    mqtt.publish(topic_status, "online", true);
    mqtt.subscribe(topic_set, 1);  // re-subscribed on every connect
    mqtt_backoff.reset();
  } else {
    next_mqtt_try = now + mqtt_backoff.next() + static_cast<uint32_t>(random(500));
  }
}

void render(uint32_t now) {
  if (static_cast<int32_t>(now - next_frame) < 0) return;
  next_frame = now + kFrameMs;
  fl::Rgb c = controller->render(now);
  for (uint16_t i = 0; i < FL_LED_COUNT; ++i) strip.setPixelColor(i, c.r, c.g, c.b);
  strip.show();
}

}  // namespace

void setup() {
  Serial.begin(115200);
  strip.begin();
  load_config();
  static fl::Controller instance(FL_FW_VERSION, config);
  controller = &instance;
  uint8_t mac[6];
  WiFi.macAddress(mac);
  snprintf(client_id, sizeof client_id, "floorlight-%02x%02x%02x", mac[3], mac[4], mac[5]);
  WiFi.mode(WIFI_STA);
  WiFi.setAutoReconnect(false);  // our own capped backoff decides when to retry
  mqtt.setBufferSize(512);
  mqtt.setSocketTimeout(2);      // a dead broker must not stall USB serial for long
  mqtt.setKeepAlive(15);
  mqtt.setCallback(on_mqtt_message);
  apply_network_config(config);
}

void loop() {
  uint32_t now = millis();
  poll_serial();
  config = controller->config();
  poll_wifi(now);
  poll_mqtt(now);
  render(now);
  delay(1);
}
