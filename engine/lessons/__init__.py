"""Lessons: the lesson file format (lesson.py), events addressed by what they are (address.py),
the networks a lesson names (networks.py), grading and hints (grade.py, ask.py), the construct
check (construct.py), a lesson checked against the engine (check.py), quiz questions (quiz.py)
and progress per lesson (progress.py). Qt-free, as all of engine/."""
