-- music_festival: a three-day summer music festival -- stages, artists, their performances,
-- attendees and the tickets they bought.
-- Dates are ISO text (YYYY-MM-DD); performances.start_time is HH:MM (24-hour clock).
-- tickets.valid_on is the day a 'day' ticket is valid; it is NULL for 'weekend' and 'vip' tickets,
-- which are valid on all three days. attendees.age and artists.formed_year are NULL when unknown.

CREATE TABLE stages (
  stage_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  covered INTEGER NOT NULL
);

CREATE TABLE artists (
  artist_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  genre TEXT NOT NULL,
  country TEXT NOT NULL,
  formed_year INTEGER
);

CREATE TABLE performances (
  performance_id INTEGER PRIMARY KEY,
  artist_id INTEGER NOT NULL,
  stage_id INTEGER NOT NULL,
  perf_date TEXT NOT NULL,
  start_time TEXT NOT NULL,
  duration_min INTEGER NOT NULL,
  headliner INTEGER NOT NULL,
  FOREIGN KEY (artist_id) REFERENCES artists (artist_id),
  FOREIGN KEY (stage_id) REFERENCES stages (stage_id)
);

CREATE TABLE attendees (
  attendee_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  city TEXT NOT NULL,
  age INTEGER
);

CREATE TABLE tickets (
  ticket_id INTEGER PRIMARY KEY,
  attendee_id INTEGER NOT NULL,
  ticket_type TEXT NOT NULL,
  price REAL NOT NULL,
  purchased_on TEXT NOT NULL,
  valid_on TEXT,
  FOREIGN KEY (attendee_id) REFERENCES attendees (attendee_id)
);

INSERT INTO stages (stage_id, name, capacity, covered) VALUES
  (1, 'Main Stage', 20000, 0),
  (2, 'Forest Tent', 3500, 1),
  (3, 'Lakeside Stage', 8000, 0),
  (4, 'Electric Dome', 5000, 1),
  (5, 'Acoustic Barn', 800, 1),
  (6, 'Dance Hangar', 6000, 1),
  (7, 'Sunrise Terrace', 1500, 0),
  (8, 'Jazz Cellar', 400, 1),
  (9, 'Hilltop Stage', 2500, 0),
  (10, 'Busker Corner', 300, 0);

INSERT INTO artists (artist_id, name, genre, country, formed_year) VALUES
  (1, 'The Lumens', 'Indie Rock', 'United Kingdom', 2009),
  (2, 'DJ KAYO', 'Electronic', 'Nigeria', NULL),
  (3, 'moonpie', 'Indie Pop', 'Sweden', 2016),
  (4, 'Velvet Anchors', 'Rock', 'United States', 1998),
  (5, 'Sara Lind', 'Folk', 'Norway', NULL),
  (6, 'Neon Tide', 'Electronic', 'Germany', 2012),
  (7, 'Los Cuervos', 'Latin', 'Mexico', 2005),
  (8, 'Iron Meadow', 'Metal', 'Finland', 2001),
  (9, 'Aiko Hayashi', 'Jazz', 'Japan', NULL),
  (10, 'The Paper Boats', 'Folk', 'Ireland', 2014),
  (11, 'BASSLINE theory', 'Electronic', 'Netherlands', 2018),
  (12, 'Ruby & The Sparks', 'Soul', 'United States', 2011),
  (13, 'Kalimba Collective', 'World', 'Kenya', 2015),
  (14, 'Grey Harbour', 'Indie Rock', 'Canada', 2013),
  (15, 'Mila Novak', 'Pop', 'Croatia', NULL),
  (16, 'Static Bloom', 'Indie Pop', 'Australia', 2019),
  (17, 'Thunder Vale', 'Rock', 'United Kingdom', 1994),
  (18, 'The Quiet Hours', 'Folk', 'United States', 2020),
  (19, 'Sol y Sombra', 'Latin', 'Spain', 2010),
  (20, 'NOVA9', 'Electronic', 'South Korea', 2021);

INSERT INTO performances (performance_id, artist_id, stage_id, perf_date, start_time, duration_min, headliner) VALUES
  (1, 15, 5, '2024-07-12', '12:00', 45, 0),
  (2, 8, 3, '2024-07-12', '13:00', 75, 0),
  (3, 11, 2, '2024-07-12', '14:00', 90, 0),
  (4, 2, 1, '2024-07-12', '17:00', 90, 0),
  (5, 10, 2, '2024-07-12', '18:00', 60, 0),
  (6, 9, 1, '2024-07-12', '19:00', 45, 0),
  (7, 19, 3, '2024-07-12', '19:30', 90, 0),
  (8, 12, 4, '2024-07-12', '20:00', 75, 0),
  (9, 17, 1, '2024-07-12', '21:30', 120, 1),
  (10, 13, 4, '2024-07-12', '23:30', 60, 0),
  (11, 16, 6, '2024-07-12', '23:45', 60, 0),
  (12, 10, 5, '2024-07-13', '12:00', 45, 0),
  (13, 5, 3, '2024-07-13', '13:00', 75, 0),
  (14, 14, 2, '2024-07-13', '14:00', 60, 0),
  (15, 3, 1, '2024-07-13', '15:00', 60, 0),
  (16, 20, 2, '2024-07-13', '16:00', 60, 0),
  (17, 6, 3, '2024-07-13', '16:30', 60, 0),
  (18, 7, 1, '2024-07-13', '17:00', 45, 0),
  (19, 2, 4, '2024-07-13', '20:00', 60, 0),
  (20, 4, 1, '2024-07-13', '21:30', 120, 1),
  (21, 9, 4, '2024-07-13', '23:30', 60, 0),
  (22, 13, 3, '2024-07-14', '13:00', 60, 0),
  (23, 8, 2, '2024-07-14', '14:00', 45, 0),
  (24, 7, 5, '2024-07-14', '15:00', 45, 0),
  (25, 12, 2, '2024-07-14', '16:00', 60, 0),
  (26, 15, 3, '2024-07-14', '16:30', 60, 0),
  (27, 19, 1, '2024-07-14', '17:00', 90, 0),
  (28, 11, 1, '2024-07-14', '19:00', 75, 0),
  (29, 3, 4, '2024-07-14', '20:00', 90, 0),
  (30, 1, 1, '2024-07-14', '21:30', 120, 1),
  (31, 16, 4, '2024-07-14', '22:00', 45, 0),
  (32, 14, 6, '2024-07-14', '23:45', 75, 0);

INSERT INTO attendees (attendee_id, name, city, age) VALUES
  (1, 'Ada Park', 'Bergen', 34),
  (2, 'Ben Olsen', 'Stockholm', 44),
  (3, 'Cleo Diaz', 'Oslo', 57),
  (4, 'Dario Rossi', 'Bergen', NULL),
  (5, 'Elin Berg', 'Oslo', 63),
  (6, 'Finn Kelly', 'Oslo', 37),
  (7, 'Greta Lang', 'Oslo', 57),
  (8, 'Hamid Karimi', 'Oslo', NULL),
  (9, 'Iris Moss', 'Oslo', 48),
  (10, 'Jonas Weiss', 'Copenhagen', 35),
  (11, 'Keira Burke', 'Stockholm', 58),
  (12, 'Lars Dahl', 'Bergen', 32),
  (13, 'Mona Saleh', 'Oslo', 60),
  (14, 'Nico Ferri', 'Oslo', 54),
  (15, 'Odile Blanc', 'Oslo', 61),
  (16, 'Pavel Horak', 'Copenhagen', 55),
  (17, 'Ruth Adler', 'Bergen', 47),
  (18, 'Sami Nieminen', 'Oslo', 43),
  (19, 'Thea Voss', 'Gothenburg', 35),
  (20, 'Ugo Conti', 'Oslo', 49),
  (21, 'Vivi Aho', 'Stockholm', 31),
  (22, 'Wes Reid', 'Copenhagen', 47),
  (23, 'Yara Haddad', 'Gothenburg', 30),
  (24, 'Zane Cruz', 'Stockholm', 40),
  (25, 'Alba Mora', 'Oslo', 44),
  (26, 'Bo Lin', 'Gothenburg', 42),
  (27, 'Cyra Shah', 'Oslo', 21),
  (28, 'Dmitri Orlov', 'Stockholm', 25),
  (29, 'Esme Pike', 'Oslo', NULL),
  (30, 'Flor Vega', 'Oslo', 63);

INSERT INTO tickets (ticket_id, attendee_id, ticket_type, price, purchased_on, valid_on) VALUES
  (1, 3, 'day', 71.2, '2024-01-20', '2024-07-14'),
  (2, 10, 'vip', 359.2, '2024-01-20', NULL),
  (3, 15, 'day', 71.2, '2024-01-22', '2024-07-14'),
  (4, 21, 'day', 71.2, '2024-01-22', '2024-07-12'),
  (5, 22, 'day', 71.2, '2024-01-22', '2024-07-14'),
  (6, 1, 'day', 71.2, '2024-01-27', '2024-07-14'),
  (7, 24, 'day', 71.2, '2024-01-27', '2024-07-12'),
  (8, 19, 'day', 71.2, '2024-01-30', '2024-07-12'),
  (9, 8, 'day', 71.2, '2024-01-31', '2024-07-13'),
  (10, 16, 'weekend', 175.2, '2024-01-31', NULL),
  (11, 19, 'day', 71.2, '2024-02-02', '2024-07-13'),
  (12, 15, 'day', 71.2, '2024-02-04', '2024-07-13'),
  (13, 11, 'weekend', 175.2, '2024-02-15', NULL),
  (14, 17, 'vip', 359.2, '2024-02-20', NULL),
  (15, 7, 'day', 71.2, '2024-02-22', '2024-07-13'),
  (16, 21, 'day', 89.0, '2024-03-02', '2024-07-13'),
  (17, 27, 'weekend', 219.0, '2024-03-31', NULL),
  (18, 13, 'day', 89.0, '2024-04-01', '2024-07-14'),
  (19, 20, 'day', 89.0, '2024-04-01', '2024-07-13'),
  (20, 18, 'weekend', 219.0, '2024-04-25', NULL),
  (21, 5, 'day', 89.0, '2024-05-03', '2024-07-13'),
  (22, 4, 'vip', 449.0, '2024-05-08', NULL),
  (23, 9, 'weekend', 219.0, '2024-05-15', NULL),
  (24, 22, 'day', 89.0, '2024-05-16', '2024-07-13'),
  (25, 6, 'day', 89.0, '2024-05-22', '2024-07-13'),
  (26, 23, 'day', 89.0, '2024-05-29', '2024-07-13'),
  (27, 2, 'day', 89.0, '2024-06-01', '2024-07-13'),
  (28, 8, 'day', 89.0, '2024-06-01', '2024-07-14'),
  (29, 28, 'weekend', 219.0, '2024-06-13', NULL),
  (30, 23, 'day', 89.0, '2024-06-14', '2024-07-14'),
  (31, 12, 'vip', 449.0, '2024-06-16', NULL),
  (32, 25, 'vip', 449.0, '2024-06-19', NULL),
  (33, 24, 'day', 89.0, '2024-06-23', '2024-07-14'),
  (34, 1, 'day', 89.0, '2024-06-28', '2024-07-13'),
  (35, 14, 'day', 89.0, '2024-06-29', '2024-07-12'),
  (36, 26, 'weekend', 219.0, '2024-07-01', NULL),
  (37, 15, 'day', 89.0, '2024-07-06', '2024-07-12');
