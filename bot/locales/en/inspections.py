"""English texts of inspection campaigns."""

MAX_ITEMS = 8  # as many item steps as the /inspect form has (checklists.MAX_ITEMS)

TEXTS: dict[str, str] = {
    "inspections.help.inspect": "Inspect your committee's key places, item by item",
    "inspections.help.inspection": "Start an inspection campaign",
    "inspections.help.progress": "Campaign progress: how far each committee is",
    # -- /inspect ---------------------------------------------------------------------------------
    "inspections.title": "Inspection",
    "inspections.ask_campaign": "Which campaign?",
    "inspections.campaign": "Campaign",
    "inspections.ask_place": "Which place do you inspect? (the kind furthest behind comes first; you can also type part of a name)",
    "inspections.place": "Place",
    "inspections.place.option": "{kind} | {name} | {address}",
    "inspections.result.pass": "Passed",
    "inspections.result.fail": "Failed",
    "inspections.result.na": "Not applicable",
    "inspections.photo": "Photo",
    "inspections.note": "What is wrong",
    "inspections.none_running": "No inspection campaign is running.",
    "inspections.none_left": 'Every place you can inspect in "{title}" has been checked, thank you! A place with hazards can be inspected again once they are closed.',
    "inspections.no_committee": "You are not bound to a residents' committee, so you cannot inspect.",
    "inspections.not_yours": "This place belongs to another residents' committee; you cannot inspect it.",
    "inspections.already_checked": '"{place}" has been inspected; it can be inspected again once its hazards are closed.',
    "inspections.saved": 'Inspection of "{place}" saved: {passed} passed, {failed} failed, {na} not applicable.',
    "inspections.saved.report": "Report a failed item as a hazard (category, address and photos are filled in):",
    "inspections.button.report": "Report hazard: {item}",
    "inspections.reported": 'Hazard reported as {ref}, linked to this campaign and the place "{place}". You will hear how it goes.',
    # -- /inspection (staff) ------------------------------------------------------------------------
    "inspections.new.title": "New inspection campaign",
    "inspections.new.ask_title": "The campaign's title? (2–60 characters)",
    "inspections.new.title_label": "Title",
    "inspections.new.ask_from": "First day? (e.g. 2027-08-01)",
    "inspections.new.from": "From",
    "inspections.new.ask_until": "Last day? (e.g. 2027-08-31)",
    "inspections.new.until": "Until",
    "inspections.new.ask_kind": "Which kind of place?",
    "inspections.new.kind": "Kind",
    "inspections.new.all_kinds": "All kinds",
    "inspections.new.ask_nodes": 'Time nodes: "DATE PERCENT", one per line or separated by commas, e.g. 2027-08-15 50%, 2027-08-31 100%',
    "inspections.new.nodes": "Time nodes",
    "inspections.new.bad_day": "Please write the date as YYYY-MM-DD, e.g. 2027-08-15.",
    "inspections.new.bad": "{reason}",
    "inspections.new.done": 'Campaign #{id} "{title}" started; {groups} directors\' groups told.',
    # -- groups -------------------------------------------------------------------------------------
    "inspections.node": "{percent}% by {day}",
    "inspections.nodes.none": "no time nodes",
    "inspections.announce": "[Campaign] {title}\nPeriod: {start} to {end}\nKinds: {kinds}\nTime nodes: {nodes}",
    "inspections.announce.committee": "\n{committee} ({count} places):",
    "inspections.announce.place": "· {kind} | {name} | {address}",
    "inspections.announce.personal": "· {count} personal entries such as elderly people living alone (see the list with /inspect in a private chat)",
    "inspections.announce.how": "\nDirectors: send /inspect in a private chat to inspect item by item.",
    "inspections.remind": '[Campaign reminder] "{title}" asks for {percent}% by {day}; {committee} has checked {checked}/{places} ({now}%), {needed} more to go. Send /inspect to continue.',
    "inspections.missed": '[Campaign] "{title}": committees that missed the time node {day} ({percent}%):',
    "inspections.missed.line": "· {committee}: checked {checked}/{places} ({now}%)",
    # -- /progress ----------------------------------------------------------------------------------
    "inspections.progress.head": '#{id} "{title}" ({start} to {end})',
    "inspections.progress.line": "{committee}: checked {checked}/{places} ({percent}%), {hazards} hazards found, {closed} closed{behind}",
    "inspections.progress.behind": " ⚠ behind the {target}% node",
    "inspections.progress.none": "No campaigns yet.",
    "inspections.weekly.line": 'Campaign "{title}": checked {checked}/{places} ({percent}%), {hazards} hazards found, {closed} closed',
    "inspections.weekly.head": "Inspection campaigns:",
    **{
        f"inspections.ask_check.{i}": f"Item {i + 1}: {{item_{i}}}\nPassed, failed or not applicable?"
        for i in range(MAX_ITEMS)
    },
    **{f"inspections.check.{i}": f"Item {i + 1}" for i in range(MAX_ITEMS)},
    **{
        f"inspections.ask_photo.{i}": f'"{{item_{i}}}" failed: please send a photo (or skip).'
        for i in range(MAX_ITEMS)
    },
    **{
        f"inspections.ask_note.{i}": f'What is wrong with "{{item_{i}}}"? (2–200 characters)'
        for i in range(MAX_ITEMS)
    },
}
