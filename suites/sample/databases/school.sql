-- school: a secondary school -- teachers, the courses they teach, students and their enrollments.
-- Dates are ISO text (YYYY-MM-DD). enrollments.score (0-100) is NULL until the course is graded;
-- a score of 50 or more is a pass. courses.room is NULL for online courses.
-- students.email is NULL when the student has none on file.

CREATE TABLE teachers (
  teacher_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  hired_on TEXT NOT NULL,
  salary INTEGER NOT NULL
);

CREATE TABLE courses (
  course_id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  teacher_id INTEGER NOT NULL,
  room TEXT,
  credits INTEGER NOT NULL,
  FOREIGN KEY (teacher_id) REFERENCES teachers (teacher_id)
);

CREATE TABLE students (
  student_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  grade_level INTEGER NOT NULL,
  birth_date TEXT NOT NULL,
  city TEXT NOT NULL,
  email TEXT
);

CREATE TABLE enrollments (
  student_id INTEGER NOT NULL,
  course_id INTEGER NOT NULL,
  enrolled_on TEXT NOT NULL,
  score INTEGER,
  PRIMARY KEY (student_id, course_id),
  FOREIGN KEY (student_id) REFERENCES students (student_id),
  FOREIGN KEY (course_id) REFERENCES courses (course_id)
);

INSERT INTO teachers (teacher_id, name, subject, hired_on, salary) VALUES
  (1, 'Margaret Ellis', 'Mathematics', '2008-08-25', 68000),
  (2, 'Tom Becker', 'Mathematics', '2019-08-26', 54000),
  (3, 'Sunita Rao', 'Physics', '2012-01-09', 64000),
  (4, 'Carlos Ruiz', 'Spanish', '2015-08-24', 58000),
  (5, 'Hannah Vogt', 'Biology', '2020-01-06', 54000),
  (6, 'George Adeyemi', 'History', '2005-08-29', 71000),
  (7, 'Lucy Tran', 'English', '2017-08-28', 58000),
  (8, 'Mark O''Brien', 'Computer Science', '2022-08-22', 60000),
  (9, 'Ingrid Holm', 'Art', '2011-08-22', 56000),
  (10, 'Paolo Ricci', 'Chemistry', '2024-01-08', 52000);

INSERT INTO courses (course_id, title, teacher_id, room, credits) VALUES
  (1, 'Algebra II', 1, 'B12', 4),
  (2, 'Calculus', 1, 'B14', 5),
  (3, 'Geometry', 2, 'B12', 4),
  (4, 'Statistics', 2, NULL, 3),
  (5, 'Physics I', 3, 'L2', 5),
  (6, 'Spanish I', 4, 'A3', 3),
  (7, 'Spanish II', 4, NULL, 3),
  (8, 'Biology', 5, 'L1', 4),
  (9, 'World History', 6, 'A7', 3),
  (10, 'English Literature', 7, 'A5', 4),
  (11, 'Creative Writing', 7, NULL, 2),
  (12, 'Intro to Programming', 8, 'C1', 3),
  (13, 'Painting', 9, 'S1', 2),
  (14, 'Organic Chemistry', 10, 'L3', 5);

INSERT INTO students (student_id, name, grade_level, birth_date, city, email) VALUES
  (1, 'Aiden Foster', 9, '2009-04-26', 'Cedar Falls', 'aiden.foster@school.edu'),
  (2, 'Bianca Grey', 9, '2009-03-15', 'Maplewood', 'bianca.grey@school.edu'),
  (3, 'Caleb Hughes', 11, '2006-07-24', 'Oakridge', 'caleb.hughes@school.edu'),
  (4, 'Daria Ivanova', 9, '2008-07-05', 'Maplewood', 'daria.ivanova@school.edu'),
  (5, 'Ethan Jordan', 10, '2008-10-07', 'Oakridge', 'ethan.jordan@school.edu'),
  (6, 'Freya Kerr', 12, '2005-05-03', 'Cedar Falls', NULL),
  (7, 'Gavin Lowe', 11, '2006-05-03', 'Maplewood', 'gavin.lowe@school.edu'),
  (8, 'Hazel Marsh', 9, '2009-10-14', 'Maplewood', NULL),
  (9, 'Isla Noble', 9, '2009-06-16', 'Cedar Falls', 'isla.noble@school.edu'),
  (10, 'Jasper Ortega', 10, '2007-06-26', 'Maplewood', 'jasper.ortega@school.edu'),
  (11, 'Kai Pryce', 11, '2007-10-24', 'Maplewood', 'kai.pryce@school.edu'),
  (12, 'Luna Quill', 10, '2008-06-28', 'Maplewood', NULL),
  (13, 'Milo Rhodes', 11, '2006-07-01', 'Maplewood', NULL),
  (14, 'Nina Sato', 10, '2007-09-14', 'Maplewood', NULL),
  (15, 'Owen Turner', 11, '2007-10-27', 'Maplewood', 'owen.turner@school.edu'),
  (16, 'Piper Udall', 9, '2008-08-25', 'Maplewood', 'piper.udall@school.edu'),
  (17, 'Quinn Vargas', 12, '2005-10-04', 'Maplewood', 'quinn.vargas@school.edu'),
  (18, 'Reese Wade', 10, '2008-02-12', 'Maplewood', 'reese.wade@school.edu'),
  (19, 'Silas Xu', 12, '2005-12-05', 'Maplewood', 'silas.xu@school.edu'),
  (20, 'Tara Yates', 9, '2009-02-18', 'Oakridge', 'tara.yates@school.edu'),
  (21, 'Uma Zeller', 11, '2007-07-25', 'Maplewood', NULL),
  (22, 'Vince Abreu', 11, '2007-12-10', 'Maplewood', 'vince.abreu@school.edu'),
  (23, 'Willa Boyd', 9, '2009-09-24', 'Maplewood', 'willa.boyd@school.edu'),
  (24, 'Xander Castro', 10, '2007-11-25', 'Oakridge', 'xander.castro@school.edu'),
  (25, 'Yasmin Dunn', 11, '2006-09-13', 'Maplewood', NULL),
  (26, 'Zach Ellison', 12, '2006-12-10', 'Maplewood', 'zach.ellison@school.edu'),
  (27, 'Amara Flynn', 10, '2007-09-11', 'Maplewood', 'amara.flynn@school.edu'),
  (28, 'Beau Gomez', 11, '2007-05-03', 'Maplewood', 'beau.gomez@school.edu'),
  (29, 'Celia Hart', 12, '2006-11-17', 'Oakridge', 'celia.hart@school.edu'),
  (30, 'Dylan Irwin', 12, '2005-09-02', 'Oakridge', 'dylan.irwin@school.edu');

INSERT INTO enrollments (student_id, course_id, enrolled_on, score) VALUES
  (2, 5, '2023-08-24', 68),
  (2, 14, '2023-12-27', 90),
  (3, 1, '2023-08-25', 95),
  (3, 4, '2024-08-13', NULL),
  (4, 7, '2023-08-26', 88),
  (4, 10, '2023-09-03', 35),
  (5, 1, '2024-08-29', NULL),
  (5, 5, '2024-01-05', 92),
  (6, 7, '2023-12-30', 78),
  (6, 9, '2024-01-14', 75),
  (6, 11, '2023-08-22', 61),
  (7, 5, '2023-08-20', 80),
  (7, 10, '2023-08-30', 100),
  (8, 3, '2023-08-18', 42),
  (8, 8, '2024-09-02', NULL),
  (8, 9, '2024-08-17', NULL),
  (9, 12, '2024-08-26', NULL),
  (10, 2, '2023-09-01', 95),
  (10, 3, '2024-08-24', NULL),
  (10, 4, '2024-08-26', NULL),
  (11, 6, '2024-01-09', 85),
  (11, 9, '2023-12-26', 90),
  (11, 10, '2023-09-01', 95),
  (13, 2, '2024-08-31', NULL),
  (13, 8, '2024-01-14', 72),
  (13, 9, '2023-08-25', 35),
  (15, 2, '2024-08-18', NULL),
  (15, 8, '2023-09-04', 68),
  (17, 5, '2023-08-26', 35),
  (17, 6, '2023-08-27', 72),
  (17, 7, '2023-08-30', 35),
  (17, 8, '2023-09-02', 85),
  (17, 9, '2023-08-24', 90),
  (17, 11, '2024-08-15', NULL),
  (17, 12, '2024-08-15', NULL),
  (18, 1, '2023-08-30', 85),
  (18, 4, '2023-12-26', 80),
  (18, 5, '2023-08-29', 72),
  (18, 9, '2023-08-15', 92),
  (19, 5, '2024-01-15', 80),
  (19, 10, '2023-08-22', 80),
  (19, 12, '2023-12-26', 72),
  (20, 9, '2023-08-15', 35),
  (20, 12, '2024-08-15', NULL),
  (21, 5, '2023-09-01', 72),
  (21, 11, '2023-09-03', 61),
  (22, 1, '2024-08-14', NULL),
  (22, 6, '2023-12-28', 68),
  (22, 8, '2023-08-30', 78),
  (23, 9, '2023-08-18', 78),
  (23, 12, '2023-12-27', 42),
  (24, 5, '2024-01-14', 80),
  (24, 9, '2024-08-20', NULL),
  (25, 7, '2023-08-16', 61),
  (25, 9, '2023-12-31', 55),
  (26, 1, '2023-08-30', 80),
  (26, 10, '2023-08-27', 88),
  (27, 6, '2023-08-23', 50),
  (28, 8, '2024-08-25', NULL),
  (28, 12, '2023-08-31', 35);
