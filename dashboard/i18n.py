"""Interface labels in English, Traditional and Simplified Chinese. Transcripts are shown as
spoken; only the dashboard's own words are translated. A missing key falls back to English,
then to the key itself, so a new label never breaks a page."""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}

# key: (English, 繁體中文, 简体中文)
_TABLE: dict[str, tuple[str, str, str]] = {
    # navigation and sidebar
    "app_title": ("Floorlight", "Floorlight 話務監控", "Floorlight 话务监控"),
    "page_floor": ("Live floor", "即時現場", "实时现场"),
    "page_call": ("Call detail", "通話詳情", "通话详情"),
    "page_history": ("History & coaching", "歷史與輔導", "历史与辅导"),
    "page_model": ("Model", "模型", "模型"),
    "page_lights": ("Lights", "桌燈", "桌灯"),
    "page_dead_letters": ("Dead letters", "拒收事件", "拒收事件"),
    "language": ("Language", "語言", "语言"),
    "page_audit": ("Audit", "稽核紀錄", "审计记录"),
    # sign-in (dashboard/auth.py)
    "sign_in": ("Sign in", "登入", "登录"),
    "sign_in_title": ("Sign in to Floorlight", "登入 Floorlight", "登录 Floorlight"),
    "sign_in_sso": ("Sign in with your organisation's account", "以貴機構帳號登入",
                    "使用贵机构账号登录"),
    "user_name": ("Name", "帳號", "账号"),
    "password": ("Password", "密碼", "密码"),
    "sign_in_failed": ("Wrong name or password.", "帳號或密碼錯誤。", "账号或密码错误。"),
    "sign_out": ("Sign out", "登出", "退出登录"),
    "signed_in_as": ("Signed in as **{name}** ({role})", "已登入：**{name}**（{role}）",
                     "已登录：**{name}**（{role}）"),
    "role_viewer": ("viewer", "檢視者", "查看者"),
    "role_supervisor": ("supervisor", "主管", "主管"),
    "role_analyst": ("analyst", "分析師", "分析师"),
    "role_admin": ("admin", "管理員", "管理员"),
    "audit_help": ("Every acknowledgement, review, promotion, rollback, retrain, light test "
                   "and account change, newest first.", "所有確認、複核、採用、回復、重新訓練、"
                   "桌燈測試與帳號變更，最新的在前。", "所有确认、复核、采用、回退、重新训练、"
                   "桌灯测试与账号变更，最新的在前。"),
    "audit_denied": ("The audit log is for analysts and admins.",
                     "稽核紀錄僅供分析師與管理員查看。",
                     "审计记录仅供分析师与管理员查看。"),
    "no_audit": ("Nothing recorded yet.", "尚無紀錄。", "尚无记录。"),
    "action": ("Action", "動作", "动作"),
    "team": ("Team", "組別", "组别"),
    "all_teams": ("All teams", "全部組別", "全部组别"),
    "all_agents": ("All agents", "全部客服", "全部客服"),
    "agent": ("Agent", "客服", "客服"),
    "desk": ("Desk", "座席", "座席"),
    "refresh_s": ("Refresh every (s)", "更新間隔（秒）", "刷新间隔（秒）"),
    "download_csv": ("Download CSV", "下載 CSV", "下载 CSV"),
    # store problems
    "db_missing": ("No database at {path}. Start the monitor (`floorlight up`, or "
                   "`floorlight ingest FILE`) to create it, or pass `--db URL`.",
                   "{path} 沒有資料庫。請先啟動監控服務（`floorlight up` 或 "
                   "`floorlight ingest FILE`）建立資料庫，或以 `--db URL` 指定。",
                   "{path} 没有数据库。请先启动监控服务（`floorlight up` 或 "
                   "`floorlight ingest FILE`）创建数据库，或用 `--db URL` 指定。"),
    "db_empty": ("{path} has no Floorlight tables yet. Start the monitor (`floorlight up` or "
                 "`floorlight ingest FILE`) to create them.",
                 "{path} 尚無 Floorlight 資料表。請先啟動監控服務（`floorlight up` 或 "
                 "`floorlight ingest FILE`）。",
                 "{path} 尚无 Floorlight 数据表。请先启动监控服务（`floorlight up` 或 "
                 "`floorlight ingest FILE`）。"),
    "db_old": ("This database is at schema revision {rev}; the dashboard needs {head}. The "
               "dashboard does not migrate a store the monitor may be writing: restart the "
               "monitor (it migrates on start), or run `floorlight dashboard --migrate`.",
               "此資料庫的結構版本為 {rev}，儀表板需要 {head}。儀表板不會自行遷移監控服務可能"
               "正在寫入的資料庫：請重新啟動監控服務（啟動時會遷移），或執行 "
               "`floorlight dashboard --migrate`。",
               "此数据库的结构版本为 {rev}，仪表板需要 {head}。仪表板不会自行迁移监控服务可能"
               "正在写入的数据库：请重启监控服务（启动时会迁移），或运行 "
               "`floorlight dashboard --migrate`。"),
    "db_newer": ("This database is at schema revision {rev}, newer than this dashboard "
                 "({head}). Update Floorlight.",
                 "此資料庫的結構版本 {rev} 比儀表板（{head}）新，請更新 Floorlight。",
                 "此数据库的结构版本 {rev} 比仪表板（{head}）新，请更新 Floorlight。"),
    "db_unreadable": ("Cannot read the database: {detail}", "無法讀取資料庫：{detail}",
                      "无法读取数据库：{detail}"),
    "monitor_offline": ("The monitor is offline: the floor is not being updated.",
                        "監控服務離線：現場資料沒有更新。", "监控服务离线：现场数据没有更新。"),
    "monitor_stale": ("No heartbeat from the monitor for {age:.0f} s: the floor may be out "
                      "of date.", "監控服務已 {age:.0f} 秒沒有心跳，現場資料可能過時。",
                      "监控服务已 {age:.0f} 秒没有心跳，现场数据可能过时。"),
    "worker_offline": ("Monitor worker {name} is offline: the calls of its shard are not "
                       "being updated.", "監控工作程序 {name} 離線：其分片的通話沒有更新。",
                       "监控工作进程 {name} 离线：其分片的通话没有更新。"),
    "worker_stale": ("No heartbeat from monitor worker {name} for {age:.0f} s: the calls of "
                     "its shard may be out of date.",
                     "監控工作程序 {name} 已 {age:.0f} 秒沒有心跳，其分片的通話可能過時。",
                     "监控工作进程 {name} 已 {age:.0f} 秒没有心跳，其分片的通话可能过时。"),
    "worker_missing": ("Monitor worker {name} has never registered: the calls of its shard "
                       "are not being scored.",
                       "監控工作程序 {name} 從未連上：其分片的通話沒有評分。",
                       "监控工作进程 {name} 从未连接：其分片的通话没有评分。"),
    "monitor_never": ("No monitor has registered with this store yet.",
                      "尚無監控服務連上此資料庫。", "尚无监控服务连接此数据库。"),
    "monitor_gaps": ("{n} turns never arrived since the monitor started (gaps in their "
                     "calls, skipped after waiting): see Dead letters.",
                     "監控服務啟動以來有 {n} 句話沒有送達（通話中的缺號，等候後已略過），"
                     "詳見拒收事件。",
                     "监控服务启动以来有 {n} 句话没有送达（通话中的缺号，等候后已略过），"
                     "详见拒收事件。"),
    "monitor_model": ("The live floor is scored by model {version} (since {since}).",
                      "現場由模型 {version} 評分（自 {since} 起）。",
                      "现场由模型 {version} 评分（自 {since} 起）。"),
    "monitor_model_refused": ("The monitor refused the promoted model {version} and keeps "
                              "running {running}: {reason}",
                              "監控服務拒用已採用的模型 {version}，繼續使用 {running}：{reason}",
                              "监控服务拒用已采用的模型 {version}，继续使用 {running}：{reason}"),
    # floor
    "calls_in_progress": ("Calls in progress", "進行中通話", "进行中通话"),
    "open_alerts": ("Open alerts", "未處理警示", "未处理警示"),
    "oldest_unacked": ("Oldest unacknowledged", "最久未確認", "最久未确认"),
    "escalation_today": ("Escalation rate today", "今日升級率", "今日升级率"),
    "alert_queue": ("Alert queue", "警示佇列", "警示队列"),
    "no_alerts": ("No open alerts.", "沒有未處理的警示。", "没有未处理的警示。"),
    "acknowledge": ("Acknowledge", "確認接手", "确认接手"),
    "open_call": ("Open call", "開啟通話", "打开通话"),
    "acked_ok": ("Alert acknowledged: desk {desk} will show acknowledged.",
                 "已確認警示：座席 {desk} 將顯示「已確認」。",
                 "已确认警示：座席 {desk} 将显示“已确认”。"),
    "already_acked": ("Already {status} by {who}.", "已由 {who} {status}。",
                      "已由 {who} {status}。"),
    "new_alert": ("New alert at desk {desk}: {reason}", "座席 {desk} 新警示：{reason}",
                  "座席 {desk} 新警示：{reason}"),
    "more_alerts": ("{n} more open alerts not shown.", "另有 {n} 則警示未顯示。",
                    "另有 {n} 条警示未显示。"),
    "desks": ("Desks", "座席", "座席"),
    "no_desks": ("No desks have reported yet. Desks appear when the monitor sees their first "
                 "call.", "尚無座席回報。監控服務收到座席的第一通電話後就會顯示。",
                 "尚无座席上报。监控服务收到座席的第一通电话后就会显示。"),
    "sound": ("Sound on new alerts", "新警示時播放聲音", "新警示时播放声音"),
    "virtual_lights": ("Virtual desk lights", "虛擬桌燈", "虚拟桌灯"),
    "virtual_from_bridge": ("As shown by the bridge ({path}).", "橋接服務顯示的燈號（{path}）。",
                            "桥接服务显示的灯号（{path}）。"),
    "virtual_from_states": ("No bridge lights file ({path}): drawn from the desk states.",
                            "沒有橋接燈號檔（{path}）：依座席狀態繪製。",
                            "没有桥接灯号文件（{path}）：按座席状态绘制。"),
    "age": ("Age", "經過時間", "经过时间"),
    "risk": ("Risk", "風險", "风险"),
    "reason": ("Reason", "原因", "原因"),
    "why": ("Why", "依據", "依据"),
    "duration": ("Duration", "通話時長", "通话时长"),
    "sentiment": ("Sentiment", "情緒", "情绪"),
    "cue": ("Cue", "升級訊號", "升级信号"),
    "state": ("State", "狀態", "状态"),
    # call detail
    "choose_call": ("Call", "通話", "通话"),
    "search_calls": ("Search call, agent or desk id", "搜尋通話、客服或座席編號",
                     "搜索通话、客服或座席编号"),
    "live_only": ("Live calls only", "只看進行中通話", "只看进行中通话"),
    "no_calls": ("No calls in this store yet.", "資料庫中還沒有通話。", "数据库中还没有通话。"),
    "no_such_call": ("There is no call {call}.", "找不到通話 {call}。", "找不到通话 {call}。"),
    "transcript": ("Transcript", "逐字稿", "逐字稿"),
    "risk_timeline": ("Risk timeline", "風險時間軸", "风险时间轴"),
    "scorecard": ("QA scorecard", "品質評分表", "质检评分表"),
    "qa_score": ("QA score", "品質分數", "质检分数"),
    "no_scorecard": ("No scorecard for this call yet (it is written when the call ends).",
                     "此通話尚無評分表（通話結束時產生）。",
                     "此通话尚无评分表（通话结束时生成）。"),
    "caller_style": ("Caller style", "來電者類型", "来电者类型"),
    "approach": ("Recommended approach", "建議應對方式", "建议应对方式"),
    "timing": ("Timing", "時間指標", "时间指标"),
    "longest_silence": ("Longest silence (s)", "最長靜默（秒）", "最长静默（秒）"),
    "talk_speed": ("Talk speed", "語速", "语速"),
    "interruptions": ("Interruptions", "插話次數", "插话次数"),
    "alerts": ("Alerts", "警示", "警示"),
    "reviews": ("Reviews", "複核紀錄", "复核记录"),
    "review": ("Review", "複核", "复核"),
    "review_turn": ("Correct a turn", "更正單句標註", "更正单句标注"),
    "review_call": ("Correct the call", "更正整通通話", "更正整通通话"),
    "turn": ("Turn", "句", "句"),
    "field": ("Field", "欄位", "字段"),
    "new_value": ("Correct value", "正確值", "正确值"),
    "note": ("Note (optional)", "備註（選填）", "备注（选填）"),
    "escalated": ("Escalated", "需升級", "需升级"),
    "save_review": ("Save review", "儲存複核", "保存复核"),
    "review_saved": ("Review saved: it will be used as training feedback.",
                     "已儲存複核，將作為訓練回饋。", "已保存复核，将作为训练反馈。"),
    "status": ("Status", "狀態", "状态"),
    "started": ("Started", "開始時間", "开始时间"),
    "csat": ("CSAT", "滿意度", "满意度"),
    "max_risk": ("Max risk", "最高風險", "最高风险"),
    "alert_raised": ("alert", "警示", "警示"),
    "acknowledged_mark": ("acknowledged", "已確認", "已确认"),
    "passed": ("passed", "通過", "通过"),
    "failed": ("missed", "未做到", "未做到"),
    "not_applicable": ("n/a", "不適用", "不适用"),
    "item": ("Item", "項目", "项目"),
    "result": ("Result", "結果", "结果"),
    "turns": ("Turns", "句次", "句次"),
    "phrases": ("Phrases", "用語", "用语"),
    # history
    "date_range": ("Date range (UTC)", "日期範圍（UTC）", "日期范围（UTC）"),
    "pick_end": ("Pick an end date.", "請選擇結束日期。", "请选择结束日期。"),
    "range_bad": ("The range ends before it starts.", "結束日期早於開始日期。",
                  "结束日期早于开始日期。"),
    "range_clamped": ("No calls outside {first} – {last}: showing that span.",
                      "{first} – {last} 以外沒有通話，只顯示此區間。",
                      "{first} – {last} 以外没有通话，只显示此区间。"),
    "range_empty": ("No finished calls between {start} and {end}.",
                    "{start} 至 {end} 之間沒有已結束的通話。",
                    "{start} 至 {end} 之间没有已结束的通话。"),
    "no_history": ("No finished calls yet: history appears once calls end.",
                   "尚無已結束的通話：通話結束後才會出現歷史資料。",
                   "尚无已结束的通话：通话结束后才会出现历史数据。"),
    "escalation_over_time": ("Escalation rate and sentiment over time", "升級率與情緒趨勢",
                             "升级率与情绪趋势"),
    "escalation_rate": ("Escalation rate", "升級率", "升级率"),
    "customer_sentiment": ("Customer sentiment", "客戶情緒", "客户情绪"),
    "cues_breakdown": ("Escalation cues", "升級訊號分布", "升级信号分布"),
    "ack_latency": ("Alert response time per supervisor", "主管警示回應時間",
                    "主管警示响应时间"),
    "median_s": ("Median (s)", "中位數（秒）", "中位数（秒）"),
    "qa_distribution": ("QA score distribution", "品質分數分布", "质检分数分布"),
    "technique_use": ("Technique use rate per agent and week", "客服每週技巧使用率",
                      "客服每周技巧使用率"),
    "technique": ("Technique", "技巧", "技巧"),
    "outcome": ("Outcome", "成效指標", "成效指标"),
    "quadrant": ("Four-quadrant coaching chart", "四象限輔導圖", "四象限辅导图"),
    "zone": ("Zone", "區域", "区域"),
    "calls": ("Calls", "通話數", "通话数"),
    "use_rate": ("Use rate", "使用率", "使用率"),
    "week": ("Week", "週", "周"),
    "day": ("Day", "日期", "日期"),
    "count": ("Count", "數量", "数量"),
    # zones
    "zone_benchmark": ("benchmark", "標桿區", "标杆区"),
    "zone_innovation": ("innovation", "創新區", "创新区"),
    "zone_training": ("training", "訓練區", "训练区"),
    "zone_correction": ("correction", "糾偏區", "纠偏区"),
    "quadrant_help": ("Coaching focuses on the training and correction zones. Lines are the "
                      "medians of the agents shown.",
                      "輔導重點為訓練區與糾偏區。虛線為所示客服的中位數。",
                      "辅导重点为训练区与纠偏区。虚线为所示客服的中位数。"),
    # techniques
    "tech_greeting": ("greeting", "開場問候", "开场问候"),
    "tech_apology": ("apology before thanks", "先道歉再致謝", "先道歉再致谢"),
    "tech_empathy": ("empathy", "同理心", "同理心"),
    "tech_closing_thanks": ("closing thanks", "結尾致謝", "结尾致谢"),
    "tech_taboo": ("taboo phrases (lower is better)", "禁忌用語（越低越好）",
                   "禁忌用语（越低越好）"),
    "item_solution_after_heard": ("solution after hearing the customer", "聽完再提解決方案",
                                  "听完再提解决方案"),
    "item_apology_before_thanks": ("apology before thanks", "先道歉再致謝", "先道歉再致谢"),
    "item_greeting": ("greeting", "開場問候", "开场问候"),
    "item_empathy": ("empathy", "同理心", "同理心"),
    "item_taboo": ("no taboo phrases", "未使用禁忌用語", "未使用禁忌用语"),
    "item_closing_thanks": ("closing thanks", "結尾致謝", "结尾致谢"),
    "out_csat": ("mean CSAT", "平均滿意度", "平均满意度"),
    "out_escalation": ("escalation rate (lower is better)", "升級率（越低越好）",
                       "升级率（越低越好）"),
    "out_qa": ("mean QA score", "平均品質分數", "平均质检分数"),
    # model
    "no_model": ("No model in {path}. Train one below (Retrain) or run `floorlight train`.",
                 "{path} 中沒有模型。請在下方重新訓練，或執行 `floorlight train`。",
                 "{path} 中没有模型。请在下方重新训练，或运行 `floorlight train`。"),
    "model_error": ("The model registry has a problem: {error}", "模型庫有問題：{error}",
                    "模型库有问题：{error}"),
    "active_model": ("Promoted model", "目前採用的模型", "当前采用的模型"),
    "versions": ("Versions", "版本", "版本"),
    "version": ("Version", "版本", "版本"),
    "created": ("Created", "建立時間", "创建时间"),
    "promote": ("Promote", "採用此版本", "采用此版本"),
    "rollback": ("Roll back", "回復上一版", "回退上一版"),
    "promoted": ("Promoted {version}.", "已採用 {version}。", "已采用 {version}。"),
    "rolled_back": ("Rolled back to {version}.", "已回復至 {version}。", "已回退至 {version}。"),
    "live_model": ("On the live floor", "現場使用中的模型", "现场使用中的模型"),
    "live_model_row": ("{monitor} is running {version} since {since}.",
                       "{monitor} 自 {since} 起使用 {version}。",
                       "{monitor} 自 {since} 起使用 {version}。"),
    "live_model_switched": ("It switched from {previous} without a restart.",
                            "由 {previous} 切換而來，未重新啟動。",
                            "由 {previous} 切换而来，未重启。"),
    "live_model_pending": ("{monitor} has not switched to {version} yet: a promoted version is "
                           "loaded and checked in the background and goes live between two "
                           "batches, within seconds.",
                           "{monitor} 尚未切換至 {version}：新採用的版本會在背景載入並檢查，"
                           "數秒內於兩批事件之間上線。",
                           "{monitor} 尚未切换至 {version}：新采用的版本会在后台加载并检查，"
                           "数秒内在两批事件之间上线。"),
    "live_model_pinned": ("{monitor} runs a pinned version (started with --model DIR): "
                          "promotions reach it only after a restart.",
                          "{monitor} 使用固定版本（以 --model DIR 啟動）：須重新啟動才會套用"
                          "新採用的版本。",
                          "{monitor} 使用固定版本（以 --model DIR 启动）：须重启才会应用"
                          "新采用的版本。"),
    "live_model_none": ("No monitor is online: the promoted model goes live when one starts.",
                        "目前沒有監控服務在線：啟動後即使用已採用的模型。",
                        "目前没有监控服务在线：启动后即使用已采用的模型。"),
    "retrain": ("Retrain", "重新訓練", "重新训练"),
    "retrain_help": ("Trains a new version from the bundled corpus plus {n} reviewed turns, in "
                     "the background; the page stays usable.",
                     "以內建語料加上 {n} 句複核資料在背景訓練新版本，頁面可繼續使用。",
                     "以内置语料加上 {n} 句复核数据在后台训练新版本，页面可继续使用。"),
    "start_training": ("Start training", "開始訓練", "开始训练"),
    "training": ("Training: {step}", "訓練中：{step}", "训练中：{step}"),
    "training_done": ("Trained {version}. Promote it below when it compares well.",
                      "已完成訓練 {version}。比較結果理想時可於下方採用。",
                      "已完成训练 {version}。比较结果理想时可在下方采用。"),
    "training_failed": ("Training failed: {error}", "訓練失敗：{error}", "训练失败：{error}"),
    "compare": ("Compare two versions", "比較兩個版本", "比较两个版本"),
    "eval_file": ("Labelled file (utterances or calls JSONL)", "標註檔（語句或通話 JSONL）",
                  "标注文件（语句或通话 JSONL）"),
    "upload_eval": ("…or upload one", "…或上傳檔案", "…或上传文件"),
    "run_compare": ("Compare", "比較", "比较"),
    "eval_missing": ("No file at {path}.", "找不到檔案 {path}。", "找不到文件 {path}。"),
    "metric": ("Metric", "指標", "指标"),
    "card_data": ("Training data", "訓練資料", "训练数据"),
    "per_class": ("Per class (held-out utterances)", "各類別（保留測試語句）",
                  "各类别（保留测试语句）"),
    "per_language": ("Per language", "各語言", "各语言"),
    "confusion": ("Confusion matrices", "混淆矩陣", "混淆矩阵"),
    "held_out_calls": ("Held-out calls", "保留測試通話", "保留测试通话"),
    "turns_in_calls": ("Turns inside held-out calls (read in context)",
                       "保留測試通話中的語句（依上下文判讀）",
                       "保留测试通话中的语句（依上下文判读）"),
    "thresholds": ("Threshold view", "門檻檢視", "门槛检视"),
    "threshold_help": ("Precision and recall of the escalation probability on the labelled "
                       "file, and how many alerts each threshold would have raised per "
                       "agent-hour on the last {days} days of stored calls (at most one per "
                       "call).", "以標註檔計算升級機率的精確率與召回率，以及各門檻在最近 {days} "
                       "天已儲存通話中每客服小時會產生的警示數（每通最多一次）。",
                       "以标注文件计算升级概率的精确率与召回率，以及各门槛在最近 {days} "
                       "天已存储通话中每客服小时会产生的警示数（每通最多一次）。"),
    "no_recent": ("No finished calls in the last {days} days to replay.",
                  "最近 {days} 天沒有已結束的通話可供試算。",
                  "最近 {days} 天没有已结束的通话可供试算。"),
    "current_threshold": ("current cue threshold", "目前門檻", "当前门槛"),
    # lights
    "lights_health": ("Light health", "桌燈狀態", "桌灯状态"),
    "no_health": ("No light health file at {path}: is the bridge running (`floorlight bridge`)?",
                  "{path} 沒有燈號狀態檔：橋接服務（`floorlight bridge`）是否已啟動？",
                  "{path} 没有灯号状态文件：桥接服务（`floorlight bridge`）是否已启动？"),
    "bad_file": ("Cannot read {path}: {error}", "無法讀取 {path}：{error}",
                 "无法读取 {path}：{error}"),
    "test_light": ("Test", "測試", "测试"),
    "test_sent": ("Test requested for {light}.", "已送出 {light} 的測試要求。",
                  "已发送 {light} 的测试请求。"),
    "light": ("Light", "燈", "灯"),
    "kind": ("Kind", "類型", "类型"),
    "address": ("Address", "位址", "地址"),
    "online": ("Online", "連線", "在线"),
    "last_ok": ("Last OK", "最後正常", "最后正常"),
    "last_error": ("Last error", "最後錯誤", "最后错误"),
    "bridge": ("Bridge", "橋接服務", "桥接服务"),
    "page_n": ("Page", "頁", "页"),
    # dead letters
    "dead_letters_help": ("Events the monitor rejected, with the reason. They were not "
                          "applied; fix the sender and resend.",
                          "監控服務拒收的事件及原因。這些事件未被套用，請修正來源後重送。",
                          "监控服务拒收的事件及原因。这些事件未被应用，请修正来源后重发。"),
    "no_dead_letters": ("No rejected events.", "沒有拒收的事件。", "没有拒收的事件。"),
    "search": ("Search", "搜尋", "搜索"),
    "last_hours": ("Received in the last (hours, 0 = all)", "最近幾小時（0 = 全部）",
                   "最近几小时（0 = 全部）"),
    "received": ("Received", "收到時間", "收到时间"),
    "source": ("Source", "來源", "来源"),
    "payload": ("Payload", "內容", "内容"),
    "bad_input": ("{error}", "{error}", "{error}"),
    # privacy, quadrant limits and the sign-in limit (history_page.py, charts.py, auth.py)
    "agent_privacy": ("Agents' privacy", "客服隱私", "客服隐私"),
    "agent_privacy_help": (
        "On: viewers and supervisors see agents on this page, in its charts, filters and CSV "
        "files, as pseudonyms (the same agent keeps the same one every day); analysts and "
        "admins see names. The live floor and call pages still name the desk's agent. Only "
        "admins change this; each change is in the audit log.",
        "開啟時：檢視者與主管在本頁（圖表、篩選與 CSV）只看到客服的代號"
        "（同一客服每天都是同一代號）；"
        "分析師與管理員看到名稱。即時現場與通話詳情頁仍顯示座席的客服。僅管理員可變更，"
        "每次變更都記入稽核紀錄。",
        "开启时：查看者与主管在本页（图表、筛选与 CSV）只看到客服的代号"
        "（同一客服每天都是同一代号）；"
        "分析师与管理员看到名称。实时现场与通话详情页仍显示座席的客服。仅管理员可更改，"
        "每次更改都记入审计记录。"),
    "agent_privacy_pseudonyms": ("Agents' privacy is on: agents are shown as pseudonyms.",
                                 "客服隱私已開啟：客服以代號顯示。",
                                 "客服隐私已开启：客服以代号显示。"),
    "agent_privacy_names": ("Agents' privacy is on: viewers and supervisors see pseudonyms; "
                            "you see names.",
                            "客服隱私已開啟：檢視者與主管看到代號；您看到名稱。",
                            "客服隐私已开启：查看者与主管看到代号；您看到名称。"),
    "agent_privacy_now_on": ("Agents' privacy is on.", "客服隱私已開啟。", "客服隐私已开启。"),
    "agent_privacy_now_off": ("Agents' privacy is off.", "客服隱私已關閉。",
                              "客服隐私已关闭。"),
    "agent_pseudonym": ("Agent {code}", "客服 {code}", "客服 {code}"),
    "agents": ("agents", "客服", "客服"),
    "quadrant_too_few": ("No zones: {count} agent(s) with data, and a split at the median "
                         "needs at least {n}.",
                         "未分區：有資料的客服只有 {count} 位，依中位數分區至少需要 {n} 位。",
                         "未分区：有数据的客服只有 {count} 位，按中位数分区至少需要 {n} 位。"),
    "quadrant_no_use_split": ("No zones: every agent's use rate is on the same side of the "
                              "median (for example, nobody uses the technique), so the median "
                              "splits nobody.",
                              "未分區：所有客服的技巧使用率都落在中位數同一側，中位數無法區分。",
                              "未分区：所有客服的技巧使用率都落在中位数同一侧，中位数无法区分。"),
    "quadrant_no_outcome_split": ("No zones: every agent's outcome is on the same side of the "
                                  "median, so the median splits nobody.",
                                  "未分區：所有客服的成效都落在中位數同一側，中位數無法區分。",
                                  "未分区：所有客服的成效都落在中位数同一侧，中位数无法区分。"),
    "sign_in_locked": ("Too many wrong passwords for this name: sign-in for it is paused "
                       "until {until}.",
                       "此帳號密碼錯誤次數過多：暫停登入至 {until}。",
                       "此账号密码错误次数过多：暂停登录至 {until}。"),
    # model and lights pages (issue 14: confirmations, held-out default, lights table)
    "dismiss": ("Dismiss", "關閉訊息", "关闭消息"),
    "confirm": ("Confirm", "確認", "确认"),
    "cancel": ("Cancel", "取消", "取消"),
    "confirm_promote": ("Promote {target}, replacing {current}?",
                        "採用 {target}，取代 {current}？", "采用 {target}，取代 {current}？"),
    "confirm_promote_first": ("Promote {target}? No version is promoted now.",
                              "採用 {target}？目前沒有採用中的版本。",
                              "采用 {target}？目前没有采用中的版本。"),
    "confirm_rollback": ("Roll back from {current} to {target}?",
                         "由 {current} 回復至 {target}？", "由 {current} 回退至 {target}？"),
    "rollback_none": ("Nothing to roll back to: no version was promoted before {version}.",
                      "無法回復：{version} 之前沒有採用過其他版本。",
                      "无法回退：{version} 之前没有采用过其他版本。"),
    "model_moved": ("Nothing changed: the promoted version is now {version}, not the one "
                    "you confirmed against (someone else changed it). Check and ask again.",
                    "未做任何變更：目前採用的版本已是 {version}，與您確認時不同（他人已變更）。"
                    "請確認後再操作。",
                    "未做任何更改：当前采用的版本已是 {version}，与您确认时不同（他人已更改）。"
                    "请确认后再操作。"),
    "trained_compare": ("Trained {version}. It is B under “Compare two versions” below; when "
                        "it compares well, promote it under “Versions” above.",
                        "已完成訓練 {version}。它已列為下方「比較兩個版本」的 B；"
                        "比較結果理想時，請在上方「版本」中採用。",
                        "已完成训练 {version}。它已列为下方“比较两个版本”的 B；"
                        "比较结果理想时，请在上方“版本”中采用。"),
    "compare_same": ("A and B are the same version.", "A 與 B 是同一版本。",
                     "A 与 B 是同一版本。"),
    "run_thresholds": ("Draw the threshold curves", "繪製門檻曲線", "绘制门槛曲线"),
    "heldout_building": ("Collecting the calls {version} held out…",
                         "正在整理 {version} 保留測試的通話…",
                         "正在整理 {version} 保留测试的通话…"),
    "eval_heldout": ("Held-out calls of the promoted version {version}: {calls} calls from "
                     "{groups} writing batches (or scenarios) its training never saw, the "
                     "calls behind its card's held-out figures ({path}).",
                     "採用中版本 {version} 的保留測試通話：{calls} 通，來自訓練時從未見過的 "
                     "{groups} 個撰寫批次（或情境），即模型卡保留測試數據所用的通話（{path}）。",
                     "采用中版本 {version} 的保留测试通话：{calls} 通，来自训练时从未见过的 "
                     "{groups} 个撰写批次（或情境），即模型卡保留测试数据所用的通话（{path}）。"),
    "eval_trained_on": ("{path} is part of the data {version} was trained from: its figures on "
                        "it are optimistic. The held-out calls are the fair test.",
                        "{path} 屬於 {version} 的訓練資料：以此評估的結果會偏高。"
                        "公平的測試是保留測試通話。",
                        "{path} 属于 {version} 的训练数据：以此评估的结果会偏高。"
                        "公平的测试是保留测试通话。"),
    "eval_other": ("Your file {path}: not part of the data {version} was trained from.",
                   "您的檔案 {path}：不屬於 {version} 的訓練資料。",
                   "您的文件 {path}：不属于 {version} 的训练数据。"),
    "eval_upload": ("Uploaded file {name}.", "已上傳檔案 {name}。", "已上传文件 {name}。"),
    "eval_no_heldout": ("The calls {version} held out cannot be rebuilt (its training data is "
                        "no longer where its card says): enter a labelled file it was not "
                        "trained on.",
                        "無法重建 {version} 的保留測試通話（訓練資料已不在模型卡記錄的位置）："
                        "請輸入未用於訓練的標註檔。",
                        "无法重建 {version} 的保留测试通话（训练数据已不在模型卡记录的位置）："
                        "请输入未用于训练的标注文件。"),
    "eval_heldout_changed": ("The data changed since {version} was trained: {calls} calls "
                             "rebuilt as held out, its card measured {card}. Some of them may "
                             "have been trained on.",
                             "{version} 訓練後資料已變更：重建出 {calls} 通保留測試通話，"
                             "模型卡記錄為 {card} 通，其中部分可能曾用於訓練。",
                             "{version} 训练后数据已更改：重建出 {calls} 通保留测试通话，"
                             "模型卡记录为 {card} 通，其中部分可能曾用于训练。"),
    "no_labelled_turns": ("{path} has no cue-labelled turns both with and without an "
                          "escalation cue: no curve to draw.",
                          "{path} 中沒有同時包含升級訊號與無升級訊號的已標註語句：無法繪製曲線。",
                          "{path} 中没有同时包含升级信号与无升级信号的已标注语句：无法绘制曲线。"),
    "yes": ("yes", "是", "是"),
    "no": ("no", "否", "否"),
    "light_col": ("Desk or light", "座席或燈", "座席或灯"),
    "last_test": ("Last test", "最近測試", "最近测试"),
    "light_test_passed": ("passed, {at}", "通過，{at}", "通过，{at}"),
    "light_test_failed": ("failed, {at}: {error}", "失敗，{at}：{error}", "失败，{at}：{error}"),
    "light_not_testable": ("Only a desk's light can be tested from here.",
                           "此處只能測試座席的燈。", "此处只能测试座席的灯。"),
    "test_waiting": ("Test requested for {light}: the light cycles through every state, then "
                     "this message shows whether it passed.",
                     "已送出 {light} 的測試要求：燈會依序顯示每種狀態，完成後此處會顯示結果。",
                     "已发送 {light} 的测试请求：灯会依次显示每种状态，完成后此处会显示结果。"),
    "test_passed": ("The light of {light} passed its test ({at}).",
                    "{light} 的燈通過測試（{at}）。", "{light} 的灯通过测试（{at}）。"),
    "test_failed": ("The light of {light} failed its test ({at}): {error}",
                    "{light} 的燈測試失敗（{at}）：{error}",
                    "{light} 的灯测试失败（{at}）：{error}"),
    "test_no_answer": ("No answer from the bridge about {light} after {s} s: is it running "
                       "(`floorlight bridge`)?",
                       "{s} 秒後仍未收到橋接服務對 {light} 的回覆：橋接服務（`floorlight bridge`）"
                       "是否已啟動？",
                       "{s} 秒后仍未收到桥接服务对 {light} 的回复：桥接服务（`floorlight bridge`）"
                       "是否已启动？"),
    "bridge_status": ("status", "狀態", "状态"),
    "bridge_source_ok": ("desk states arriving", "座席狀態正常接收", "座席状态正常接收"),
    "bridge_source_problem": ("source problem", "來源問題", "来源问题"),
    "bridge_stale_mode": ("stale mode", "失聯模式", "失联模式"),
    "bridge_lights": ("lights", "燈數", "灯数"),
    "bridge_last_test": ("last test", "最近測試", "最近测试"),
    "bridge_states": ("states received", "已收狀態", "已收状态"),
    "bridge_bad_messages": ("bad messages", "錯誤訊息", "错误消息"),
    "bridge_unknown_subjects": ("unknown lights", "未知燈號", "未知灯号"),
    "bridge_stale_entries": ("stale entries", "過期項目", "过期条目"),
    # live floor and call detail: a supervisor's day (issue 14)
    "sign_in_to_write": ("Sign in to make changes.", "請先登入才能變更。", "请先登录才能更改。"),
    "role_refused": ("Your role ({role}) may only look: this needs {needed} or higher.",
                     "您的角色（{role}）僅能檢視：此操作需要{needed}或以上權限。",
                     "您的角色（{role}）仅能查看：此操作需要{needed}或以上权限。"),
    "store_down": ("The database cannot be reached ({detail}): nothing was saved. Try again "
                   "in a moment.", "無法連線資料庫（{detail}），未儲存任何變更，請稍後再試。",
                   "无法连接数据库（{detail}），未保存任何更改，请稍后再试。"),
    "tiles_help": ("Click a desk to open its call.", "點選座席即可開啟其通話。",
                   "点击座席即可打开其通话。"),
    "no_call_match": ("No call matches “{search}”.", "沒有符合「{search}」的通話。",
                      "没有符合“{search}”的通话。"),
    "desk_no_calls": ("Desk {desk} has no calls yet.", "座席 {desk} 還沒有通話。",
                      "座席 {desk} 还没有通话。"),
    "no_turns_yet": ("No turns yet: the call has just started.", "尚無對話：通話剛開始。",
                     "尚无对话：通话刚开始。"),
    "escalated_true": ("Yes", "是", "是"),
    "escalated_false": ("No", "否", "否"),
    "caller_style_R": ("R — amiable/rational: patient, avoids conflict, asks rather than states",
                       "R — 理智型：有耐心、避免衝突、多用詢問而非斷言",
                       "R — 理智型：有耐心、避免冲突、多用询问而非断言"),
    "caller_style_I": ("I — inquisitive/analytical: facts, dates, numbers, formal, unemotional",
                       "I — 追根究底型：重事實、日期與數字，正式、不帶情緒",
                       "I — 追根究底型：重事实、日期和数字，正式、不带情绪"),
    "caller_style_D": ("D — decisive/driver: fast, wants results now, loud, interrupts, blunt",
                       "D — 果斷型：語速快、要立即見效、大聲、會打斷、直接",
                       "D — 果断型：语速快、要立即见效、大声、会打断、直接"),
    "caller_style_E": ("E — expressive: talkative, emotional, vents, vague complaints",
                       "E — 善於表達型：健談、情緒化、需要宣洩、抱怨較籠統",
                       "E — 善于表达型：健谈、情绪化、需要宣泄、抱怨较笼统"),
}

STATES = {
    "off": ("off", "離線", "空闲"),
    "calm": ("calm", "平穩", "平稳"),
    "watch": ("watch", "留意", "留意"),
    "alert": ("alert", "警示", "警示"),
    "acknowledged": ("acknowledged", "已確認", "已确认"),
    "stale": ("stale", "失聯", "失联"),
}
CUES = {
    "none": ("none", "無", "无"),
    "supervisor_request": ("asks for a supervisor", "要求主管", "要求主管"),
    "complaint_threat": ("complaint threat", "揚言投訴", "扬言投诉"),
    "legal_or_media_threat": ("legal or media threat", "揚言法律或媒體行動", "扬言法律或媒体行动"),
    "churn_threat": ("churn threat", "揚言解約", "扬言解约"),
    "abuse": ("abuse", "辱罵", "辱骂"),
    "repeat_contact": ("repeat contact", "重複來電", "重复来电"),
    "compensation_dispute": ("rejects the remedy", "不接受補償", "不接受补偿"),
    "agent_misconduct": ("agent misconduct", "客服不當言行", "客服不当言行"),
    "negative_trend": ("worsening negativity", "負面情緒加劇", "负面情绪加剧"),
}
SENTIMENTS = {
    "negative": ("negative", "負面", "负面"),
    "neutral": ("neutral", "中性", "中性"),
    "positive": ("positive", "正面", "正面"),
}
SPEAKERS = {"agent": ("agent", "客服", "客服"), "customer": ("customer", "客戶", "客户")}
_COLUMN = {"en": 0, "zh-Hant": 1, "zh-Hans": 2}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``values``."""
    row = _TABLE.get(key)
    text = key if row is None else (row[_COLUMN.get(lang, 0)] or row[0])
    return text.format(**values) if values else text


def _word(table: dict[str, tuple[str, str, str]], value: str | None, lang: str) -> str:
    if value is None:
        return "–"
    row = table.get(value)
    return value if row is None else row[_COLUMN.get(lang, 0)]


def state_name(state: str | None, lang: str = "en") -> str:
    return _word(STATES, state, lang)


def cue_name(cue: str | None, lang: str = "en") -> str:
    """A cue or reason (cue names plus signals like ``negative_trend``)."""
    return _word(CUES, cue, lang)


def sentiment_name(sentiment: str | None, lang: str = "en") -> str:
    return _word(SENTIMENTS, sentiment, lang)


def speaker_name(speaker: str | None, lang: str = "en") -> str:
    return _word(SPEAKERS, speaker, lang)


def label_keys() -> set[str]:
    return set(_TABLE)
