// Chinese by default, English switchable; the choice is kept in localStorage.
export type Lang = "zh" | "en";

const zh = {
  title: "网格巡查指挥中心", signin: "登录", signout: "退出", username: "用户名", password: "密码",
  map: "辖区地图", queue: "待办队列", trend: "每日上报与结案", regions: "下级区域",
  cancel: "取消", confirm: "确定", signinFailed: "用户名或密码错误", empty: "暂无待办案件",
  reports: "上报", accepted: "立案", closed: "结案", closure_rate: "结案率", on_time_rate: "按期结案率",
  escalation_share: "上级处置占比", rework_rate: "返工率", avg_hours_to_accept: "平均立案时长(小时)",
  avg_hours_to_close: "平均结案时长(小时)", hotline_satisfaction_rate: "热线满意率", open: "在办",
  accept: "立案", dispatch: "派遣", escalate: "上报", supervise: "督办", details: "详情",
  unit: "处置单位", reason: "原因", note: "督办意见", region: "区域", caseNo: "案件编号",
  category: "类别", status: "状态", due: "时限", overdue: "已超时", left: "剩余", noDeadline: "无时限",
  grids: "网格", reportsLayer: "案件", heatmap: "热力", live: "实时", polling: "轮询", offline: "离线",
  done: "已完成", actionFailed: "操作失败", supervised: "已督办",
  s_reported: "待立案", s_accepted: "已立案", s_dispatched: "已派遣", s_in_progress: "处置中",
  s_resolved: "已处置", s_closed: "已结案", s_rejected: "不予立案",
  noUnits: "本中心暂无可派遣的处置单位", k_department: "职能部门", k_mediation_centre: "调解中心",
  k_utility: "公用事业单位", k_other: "其他单位",
  tabBoard: "指挥调度", tabCampaigns: "专项排查", campaign: "排查活动", byLevel: "统计层级", xlsx: "导出 Excel",
  noCampaigns: "辖区内暂无排查活动", progress: "排查进度", coverageMap: "网格覆盖率", total: "合计",
  coverageTarget: "覆盖目标", noTarget: "无应访户",
  c_targeted: "应访户数", c_visited: "已访户数", c_coverage: "覆盖率", c_not_home: "未遇", c_found: "发现问题",
  c_solved: "已解决", c_rectification_rate: "整改率", c_overdue_grids: "逾期网格",
  by_city: "市", by_county: "县区", by_town: "镇街", by_village: "村社区", by_grid: "网格",
  ck_general: "户户进", ck_trafficking: "拐卖妇女儿童排查", ck_mental_disorder: "严重精神障碍患者排查",
  ck_telecom_fraud: "电信诈骗排查", ck_elderly_fraud: "养老诈骗排查",
};
type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: "GridPatrol command centre", signin: "Sign in", signout: "Sign out", username: "Username",
  password: "Password", map: "Jurisdiction map", queue: "Queue", trend: "Reports and closures per day",
  regions: "Child regions", cancel: "Cancel", confirm: "OK", signinFailed: "Wrong username or password",
  empty: "No open cases", reports: "Reports", accepted: "Accepted", closed: "Closed",
  closure_rate: "Closure rate", on_time_rate: "On-time closure", escalation_share: "Handled above grid",
  rework_rate: "Rework rate", avg_hours_to_accept: "Avg. hours to accept", avg_hours_to_close: "Avg. hours to close",
  hotline_satisfaction_rate: "Hotline satisfaction", open: "Open", accept: "Accept", dispatch: "Dispatch",
  escalate: "Escalate", supervise: "Supervise", details: "Details", unit: "Unit", reason: "Reason",
  note: "Supervision note", region: "Region", caseNo: "Case no.", category: "Category", status: "Status",
  due: "Due", overdue: "overdue", left: "left", noDeadline: "no deadline", grids: "Grids",
  reportsLayer: "Reports", heatmap: "Heatmap", live: "live", polling: "polling", offline: "offline",
  done: "Done", actionFailed: "Action failed", supervised: "supervised",
  s_reported: "reported", s_accepted: "accepted", s_dispatched: "dispatched", s_in_progress: "in progress",
  s_resolved: "resolved", s_closed: "closed", s_rejected: "rejected",
  noUnits: "No unit this centre may dispatch to", k_department: "department", k_mediation_centre: "mediation centre",
  k_utility: "utility", k_other: "other unit",
  tabBoard: "Command", tabCampaigns: "Campaigns", campaign: "Campaign", byLevel: "By", xlsx: "Export .xlsx",
  noCampaigns: "No campaign in this jurisdiction", progress: "Progress", coverageMap: "Grid coverage", total: "Total",
  coverageTarget: "coverage target", noTarget: "no household targeted",
  c_targeted: "Targeted", c_visited: "Visited", c_coverage: "Coverage", c_not_home: "Not at home", c_found: "Found",
  c_solved: "Solved", c_rectification_rate: "Rectification rate", c_overdue_grids: "Overdue grids",
  by_city: "City", by_county: "County", by_town: "Town", by_village: "Village", by_grid: "Grid",
  ck_general: "door-to-door", ck_trafficking: "trafficking", ck_mental_disorder: "severe mental disorder",
  ck_telecom_fraud: "telecom fraud", ck_elderly_fraud: "fraud against the elderly",
};

const tables: Record<Lang, Record<Key, string>> = { zh, en };
let lang: Lang = localStorage.getItem("gp.lang") === "en" ? "en" : "zh";

export function t(key: Key | string): string {
  return (tables[lang] as Record<string, string>)[key] ?? key;
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem("gp.lang", next);
  applyStatic();
}

/** Fills every element carrying data-i18n, and the switch button with the other language's name. */
export function applyStatic(): void {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  document.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    el.textContent = t(el.dataset.i18n ?? "");
  });
  const button = document.getElementById("lang");
  if (button) button.textContent = lang === "zh" ? "English" : "中文";
}
