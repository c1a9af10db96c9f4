"""Consultations: simple polls and per-building intention surveys (Civil Code art. 278)."""

TEXTS: dict[str, str] = {
    # -- command help ----------------------------------------------------------------------------
    "polls.help.poll": (
        "Consultations: /poll CODE to answer; directors and staff: /poll status ID for progress"
    ),
    # -- answering -------------------------------------------------------------------------------
    "polls.title": "Consultation",
    "polls.ask_code": (
        "Please type the household code on your consultation letter (8 letters and digits, "
        "e.g. K7PQ2XMA).\nFor other polls (an event's date) send /poll ID."
    ),
    "polls.household": "Home",
    "polls.room_label": "{building} room {room}",
    "polls.ask_building_choice": (
        "{where} room {room}\nQuestion: {question}\n{previous}"
        "This is an intention survey that prepares the formal vote, not the vote itself. "
        "Your household's answer:"
    ),
    "polls.ask_simple_choice": "{where}\n{question}\n{previous}Please choose:",
    "polls.previous": (
        '(Your earlier answer was "{answer}"; you can change it until the deadline, '
        "the last one counts.)\n"
    ),
    "polls.your_answer": "Your answer",
    "polls.choice.agree": "Agree",
    "polls.choice.disagree": "Disagree",
    "polls.choice.abstain": "Abstain",
    "polls.answered": (
        'Recorded: {where} "{answer}". Until {deadline} you can send /poll again to change '
        "it; the last answer counts."
    ),
    "polls.answered_changed": (
        'Changed: {where} now answers "{answer}". You can still change it until {deadline}; '
        "the last answer counts."
    ),
    "polls.totals_later": "The totals are published after the deadline.",
    "polls.code_wrong": "That household code is not right. Please check the letter and type it again.",
    "polls.locked": "Too many wrong codes. Please try again in an hour, or ask the committee.",
    "polls.closed": '"{title}" has closed: no new or changed answers.',
    "polls.not_found": "There is no consultation number {id}.",
    "polls.not_for_you": "This consultation is for residents of {committee}.",
    "polls.bad_choice": "Please pick one of the options.",
    "polls.private_only": "Please send household codes in the private chat with the bot, not in a group.",
    "polls.status_private": (
        "Progress (with the rooms that have not answered) is shown in a private chat only: "
        "send /poll status ID to the bot."
    ),
    "polls.status_usage": "Please add the consultation's number, e.g. /poll status 3",
    "polls.result_usage": "Please add the consultation's number, e.g. /poll result 3",
    "polls.not_your_committee": (
        "Only subdistrict staff and this committee's director can see this consultation's progress."
    ),
    "polls.options_count": "A poll needs {min}–{max} options.",
    "polls.options_repeated": "Options must differ.",
    # -- totals ----------------------------------------------------------------------------------
    "polls.totals_head": "[Consultation] {title}\n{where} | closes {deadline}",
    "polls.option_line": "{label}: {count}",
    "polls.participation_line": (
        "Taking part: {count}/{households} households ({count_percent}), area {area}/"
        "{total_area} m² ({area_percent}) — participation threshold (2/3 of both): {ok}"
    ),
    "polls.agreement_line": (
        "Agreeing: {count}/{participants} households ({count_percent}), area {area}/"
        "{participant_area} m² ({area_percent}) — agreement threshold (3/4 of both): {ok}\n"
        "Disagree {disagreed}, abstain {abstained} (abstaining takes part and does not agree)"
    ),
    "polls.met": "met",
    "polls.not_met": "not met",
    "polls.passed": "On the answers so far, both thresholds are met.",
    "polls.not_passed": "On the answers so far, the Civil Code art. 278 thresholds are not met.",
    "polls.intention_only": "(An intention survey preparing the formal vote; the vote decides.)",
    "polls.missing_head": "{count} households have not answered (for home visits):",
    "polls.missing_line": "· room {room}  {owner}",
    "polls.none_missing": "Every household has answered.",
    # -- group posts -----------------------------------------------------------------------------
    "polls.announce": (
        "[Consultation] {title}\n{where} | closes {deadline}\n"
        "An intention survey preparing the formal vote. {how}"
    ),
    "polls.how_building": (
        "Answer with the code on your letter: send /poll CODE to the bot in a private chat."
    ),
    "polls.how_simple": "Send /poll {id} to the bot in a private chat to take part.",
    "polls.open_link": "Answer",
    "polls.reminder": (
        "[Consultation reminder] {title}\n{where} | closes {deadline}\n{progress}\n"
        "Households that have not answered yet, please do."
    ),
    "polls.reminder_progress": "{count}/{households} households have taken part so far.",
    "polls.reminder_progress_simple": "{count} people have taken part so far.",
    "polls.result_post": "[Consultation result] The consultation has closed. The totals:",
    # -- the households file ---------------------------------------------------------------------
    "polls.file.unreadable": "Cannot read the households file {path} (csv or xlsx expected).",
    "polls.file.empty": "The households file {path} lists no households.",
    "polls.file.headers": (
        "The households file {path} needs headers in its first row: 室号, 专有部分面积 "
        "(optional: 业主姓名)."
    ),
    "polls.file.no_room": "Row {line} of the households file has no room (室号).",
    "polls.file.duplicate_room": "Row {line} of the households file repeats room {room}.",
    "polls.file.bad_area": (
        'Row {line} of the households file: the area "{value}" is not a positive number (m²).'
    ),
    "polls.file.too_many": "The households file lists {count} households; at most {max}.",
    # -- command line ----------------------------------------------------------------------------
    "polls.cli.no_title": "--title is empty",
    "polls.cli.building_needs": "a building poll needs --committee, --building and --households",
    "polls.cli.simple_needs": "a simple poll needs 2–6 --option and --committee or --chat",
    "polls.cli.one_committee": "one committee per poll",
    "polls.cli.unknown_chat": "unknown group {chat} (write it as PLATFORM:ID)",
    "polls.cli.added": "Consultation #{id} created, closes {deadline}. Household codes:",
    "polls.cli.no_codes": "Consultation #{id} is not a building poll: it has no codes",
    "polls.cli.missing": "Not answered: {rooms}",
    "polls.cli.open": "open",
    "polls.cli.closed": "closed",
}
