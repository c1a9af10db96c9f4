"""Workbench (web pages) texts."""

TEXTS: dict[str, str] = {
    "help.web": "Open the workbench in a browser to handle hazard reports (staff, directors)",
    "workbench.web.link": (
        "Your workbench sign-in link: valid for 10 minutes, once. Please do not forward it."
    ),
    "workbench.web.open": "Open the workbench",
    "workbench.web.resident": (
        "The workbench is for subdistrict staff and committee directors. As a resident, just "
        "write here: /report for a hazard, /events to sign up, /help for the rest."
    ),
    "workbench.title": "Committee workbench",
    "workbench.nav.hazards": "Hazards",
    "workbench.signout": "Sign out",
    "workbench.signin.how": (
        "Please sign in: send /web (工作台) to the bot on WeCom or Telegram and open the link "
        "it sends; in WeCom you can also open the app's home page."
    ),
    "workbench.signin.needed": "Your session has ended; send /web in the chat for a new link.",
    "workbench.signin.resident": (
        "The workbench is for subdistrict staff and committee directors; residents cannot sign "
        "in. To report a hazard, sign up or suggest a topic, talk to the bot in the chat."
    ),
    "workbench.signin.unknown_link": "This sign-in link is not valid. Send /web in the chat for a new one.",
    "workbench.signin.used_link": "This sign-in link was already used; each works once. Send /web for a new one.",
    "workbench.signin.expired_link": "This sign-in link has expired (10 minutes). Send /web for a new one.",
    "workbench.signin.no_wecom": "This system is not connected to WeCom.",
    "workbench.signin.wecom_failed": "WeCom sign-in failed; open the app's home page again or send /web.",
    "workbench.signin.telegram_failed": "Telegram sign-in failed; open it from the bot's menu button again or send /web.",
    "workbench.signin.telegram_wait": "Signing in through Telegram…",
    "workbench.csrf": "This page has expired; go back, reload it and submit again.",
    "workbench.not_found": "No such record, or you may not see it.",
    "workbench.bad_choice": "Please choose one of the options on the page.",
    "workbench.any": "All",
    "workbench.filter": "Filter",
    "workbench.previous": "Previous",
    "workbench.next": "Next",
    "workbench.page": "Page {page} of {pages}",
    "workbench.export.xlsx": "Export Excel",
    "workbench.export.csv": "Export CSV",
    "workbench.hazards.status": "Status",
    "workbench.hazards.category": "Category",
    "workbench.hazards.committee": "Committee",
    "workbench.hazards.from": "From",
    "workbench.hazards.to": "To",
    "workbench.hazards.words": "Words",
    "workbench.hazards.overdue": "Overdue",
    "workbench.hazards.count": "{total} reports",
    "workbench.hazards.ref": "Ref",
    "workbench.hazards.filed": "Filed",
    "workbench.hazards.address": "Address",
    "workbench.hazards.location": "Location",
    "workbench.hazards.map": "Show on a map",
    "workbench.hazards.description": "Description",
    "workbench.hazards.department": "Department",
    "workbench.hazards.duplicate_of": "Original report",
    "workbench.hazards.reporter": "Reporter",
    "workbench.hazards.actions": "Actions",
    "workbench.hazards.note": "Note (told to the reporter)",
    "workbench.hazards.history": "History",
    "workbench.hazards.moved": "Now “{status}”; the reporter was told.",
    "workbench.nav.overview": "Overview",
    "workbench.overview.reports": "Open hazard reports per committee",
    "workbench.overview.open": "Open",
    "workbench.overview.events": "Events this week",
    "workbench.overview.topics": "Topics",
    "workbench.overview.topics_waiting": "{count} topics waiting for review (review them in chat with /review)",
    "workbench.overview.campaigns": "Running inspection campaigns",
    "workbench.overview.checked": "Checked",
    "workbench.overview.target": "Node target",
    "workbench.overview.polls": "Open consultations",
    "workbench.overview.until": "until {at}",
    "workbench.overview.none": "None",
}
