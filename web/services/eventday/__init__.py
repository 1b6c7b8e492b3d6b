"""Event day: an event list's days, time slots and tables (``plan``), who is present when
(``presence``), the timetable the solver makes and the officer adjusts and publishes
(``timetable``), changes on the day (``day``), the participants' agendas and calendar files
(``agenda``) and the e-mails about them (``notify``). ``event`` reads it all back as a
``matcher.schedule.ScheduleProblem``.
"""
