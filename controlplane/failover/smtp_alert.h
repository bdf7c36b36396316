// keepalived's e-mail alerts: a VRRP instance or sync group with
// smtp_alert mails every state change to global_defs' notification_email
// through smtp_server. The mails go out from a thread of their own, one at
// a time, so that a slow or dead mail server delays nothing else; failures
// are logged, never retried.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "controlplane/config/model.h"

namespace sluice::failover {

struct Alert {
  std::string subject;
  std::string body;
};

// What a subject names the router by: router_id, else the host name.
std::string alertRouterId(const config::GlobalDefs& globals);

// keepalived's subject and body for a transition of an instance ("VRRP
// Instance") or a group ("VRRP Group"); `state` as keepalived names it.
Alert transitionAlert(const config::GlobalDefs& globals, bool group, const std::string& name,
                      const std::string& state);

// The whole SMTP dialogue (RFC 5321: HELO, MAIL FROM, RCPT TO, DATA, QUIT)
// with smtp_server, bounded by smtp_connect_timeout for the connection and
// for each reply. nullopt when the server accepted the mail, else why not.
std::optional<std::string> deliver(const config::GlobalDefs& globals, const Alert& alert);

class SmtpAlerter {
 public:
  explicit SmtpAlerter(config::GlobalDefs globals);
  // Waits for the mail being sent (bounded by the timeouts); drops the rest.
  ~SmtpAlerter();
  SmtpAlerter(const SmtpAlerter&) = delete;
  SmtpAlerter& operator=(const SmtpAlerter&) = delete;

  // Whether a VRRP transition of something with this smtp_alert setting is
  // mailed: its own setting, else smtp_alert_vrrp, else smtp_alert, else
  // no; never without smtp_server and notification_email.
  bool enabled(const std::optional<bool>& smtpAlert) const;
  // Queues a mail (at most 64 wait; more are dropped and logged).
  void send(Alert alert);

 private:
  void run();

  config::GlobalDefs globals_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Alert> queue_;  // guarded by mutex_
  bool stopping_ = false;    // guarded by mutex_
  std::thread thread_;
};

}  // namespace sluice::failover
