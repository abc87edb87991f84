-- bike_share: a city bike-share scheme -- docking stations, bikes, riders and their trips.
-- Dates are ISO text: YYYY-MM-DD, and trips.started_at is YYYY-MM-DD HH:MM.
-- trips.end_station_id and trips.duration_min are NULL for a trip whose bike was never docked.
-- riders.birth_year is NULL when the rider did not give it.

CREATE TABLE stations (
  station_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  district TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  opened_on TEXT NOT NULL
);

CREATE TABLE bikes (
  bike_id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  bike_type TEXT NOT NULL,
  purchased_on TEXT NOT NULL,
  home_station_id INTEGER NOT NULL,
  FOREIGN KEY (home_station_id) REFERENCES stations (station_id)
);

CREATE TABLE riders (
  rider_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  plan TEXT NOT NULL,
  joined_on TEXT NOT NULL,
  birth_year INTEGER
);

CREATE TABLE trips (
  trip_id INTEGER PRIMARY KEY,
  bike_id INTEGER NOT NULL,
  rider_id INTEGER NOT NULL,
  start_station_id INTEGER NOT NULL,
  end_station_id INTEGER,
  started_at TEXT NOT NULL,
  duration_min INTEGER,
  fare REAL NOT NULL,
  FOREIGN KEY (bike_id) REFERENCES bikes (bike_id),
  FOREIGN KEY (rider_id) REFERENCES riders (rider_id),
  FOREIGN KEY (start_station_id) REFERENCES stations (station_id),
  FOREIGN KEY (end_station_id) REFERENCES stations (station_id)
);

INSERT INTO stations (station_id, name, district, capacity, opened_on) VALUES
  (1, 'Central Station', 'Downtown', 40, '2019-04-01'),
  (2, 'City Hall', 'Downtown', 30, '2019-04-01'),
  (3, 'Harbour Front', 'Waterfront', 25, '2019-06-15'),
  (4, 'Old Market', 'Downtown', 20, '2020-03-10'),
  (5, 'University North', 'Campus', 35, '2020-09-01'),
  (6, 'University South', 'Campus', 30, '2020-09-01'),
  (7, 'Riverside Park', 'Waterfront', 20, '2021-05-20'),
  (8, 'Tech Park', 'Eastside', 25, '2021-11-08'),
  (9, 'Stadium', 'Eastside', 40, '2022-03-14'),
  (10, 'Lighthouse Pier', 'Waterfront', 15, '2022-07-01'),
  (11, 'Hospital Gate', 'Eastside', 20, '2023-02-27'),
  (12, 'Museum Quarter', 'Downtown', 25, '2024-04-15');

INSERT INTO bikes (bike_id, model, bike_type, purchased_on, home_station_id) VALUES
  (1, 'VoltRider E2', 'electric', '2020-03-08', 4),
  (2, 'VoltRider E2', 'electric', '2021-12-06', 9),
  (3, 'VoltRider E2', 'electric', '2020-04-16', 10),
  (4, 'VoltRider E2', 'electric', '2021-01-17', 9),
  (5, 'CityCruiser', 'classic', '2021-09-28', 5),
  (6, 'VoltRider E5', 'electric', '2022-10-23', 2),
  (7, 'VoltRider E2', 'electric', '2021-07-26', 5),
  (8, 'VoltRider E2', 'electric', '2022-01-11', 1),
  (9, 'VoltRider E5', 'electric', '2022-08-27', 7),
  (10, 'VoltRider E2', 'electric', '2021-01-14', 9),
  (11, 'VoltRider E5', 'electric', '2020-08-16', 2),
  (12, 'UrbanGlide 3', 'classic', '2021-01-13', 5),
  (13, 'UrbanGlide 3', 'classic', '2019-08-14', 6),
  (14, 'UrbanGlide 3', 'classic', '2022-11-29', 6),
  (15, 'UrbanGlide 3', 'classic', '2022-02-14', 5),
  (16, 'VoltRider E2', 'electric', '2019-04-14', 6),
  (17, 'VoltRider E2', 'electric', '2022-12-09', 5),
  (18, 'VoltRider E2', 'electric', '2021-06-16', 7),
  (19, 'UrbanGlide 3', 'classic', '2023-02-06', 2),
  (20, 'UrbanGlide 3', 'classic', '2021-04-16', 9);

INSERT INTO riders (rider_id, name, plan, joined_on, birth_year) VALUES
  (1, 'Aaron Blake', 'annual', '2020-02-11', 1988),
  (2, 'Bianca Russo', 'monthly', '2021-06-03', 1995),
  (3, 'Chen Jie', 'annual', '2019-05-20', 1979),
  (4, 'Diana Prince', 'pay-as-you-go', '2022-08-14', NULL),
  (5, 'Emil Strand', 'annual', '2020-10-01', 2001),
  (6, 'Fatima Zahra', 'monthly', '2023-01-09', 1999),
  (7, 'George Hill', 'pay-as-you-go', '2021-03-30', 1965),
  (8, 'Hana Kobayashi', 'annual', '2019-09-12', 1992),
  (9, 'Ivan Petrov', 'monthly', '2022-04-22', NULL),
  (10, 'Julia Santos', 'annual', '2021-12-05', 1985),
  (11, 'Karl Weber', 'pay-as-you-go', '2023-07-18', 1974),
  (12, 'Lucia Marquez', 'annual', '2020-05-27', 1995),
  (13, 'Mohammed Ali', 'monthly', '2022-11-11', 2003),
  (14, 'Nora Berg', 'annual', '2019-07-04', NULL),
  (15, 'Oscar Lindgren', 'pay-as-you-go', '2024-01-16', 1990),
  (16, 'Paula Costa', 'monthly', '2023-05-02', 1988),
  (17, 'Raj Mehta', 'annual', '2021-08-19', 1983),
  (18, 'Selin Aydin', 'pay-as-you-go', '2024-03-08', 2000),
  (19, 'Theo Laurent', 'monthly', '2024-05-25', 1997),
  (20, 'Ulla Virtanen', 'annual', '2024-06-30', NULL);

INSERT INTO trips (trip_id, bike_id, rider_id, start_station_id, end_station_id, started_at, duration_min, fare) VALUES
  (1, 20, 8, 10, 10, '2024-01-03 12:13', 35, 3.5),
  (2, 11, 6, 2, 6, '2024-01-06 07:26', 22, 6.5),
  (3, 20, 17, 2, 7, '2024-01-08 11:14', 45, 4.5),
  (4, 12, 12, 10, 1, '2024-01-16 07:56', 4, 0.4),
  (5, 16, 8, 1, 2, '2024-01-26 11:31', 9, 2.25),
  (6, 7, 7, 2, 2, '2024-01-28 21:29', 4, 2.0),
  (7, 17, 15, 8, 3, '2024-01-31 19:10', 45, 12.25),
  (8, 3, 1, 11, 1, '2024-02-08 08:41', 15, 3.75),
  (9, 4, 8, 4, 8, '2024-02-10 12:16', 22, 5.5),
  (10, 1, 1, 10, NULL, '2024-02-17 23:06', NULL, 30.0),
  (11, 20, 10, 4, 4, '2024-02-21 14:40', 25, 2.5),
  (12, 11, 4, 5, 4, '2024-02-23 09:13', 8, 3.0),
  (13, 5, 7, 3, 3, '2024-03-04 22:40', 12, 2.2),
  (14, 18, 17, 5, 4, '2024-03-10 22:58', 4, 1.0),
  (15, 1, 1, 1, 5, '2024-03-23 10:03', 18, 4.5),
  (16, 20, 10, 11, 10, '2024-03-27 15:48', 35, 3.5),
  (17, 9, 10, 2, 7, '2024-04-13 20:58', 4, 1.0),
  (18, 3, 13, 1, 7, '2024-04-20 22:33', 25, 7.25),
  (19, 13, 8, 1, 3, '2024-04-27 11:24', 12, 1.2),
  (20, 20, 14, 10, 4, '2024-04-29 07:11', 15, 1.5),
  (21, 10, 15, 3, 11, '2024-04-29 19:55', 45, 12.25),
  (22, 19, 8, 8, 8, '2024-05-10 21:42', 60, 6.0),
  (23, 4, 14, 4, 4, '2024-05-13 23:42', 6, 1.5),
  (24, 6, 4, 2, 3, '2024-05-14 12:02', 45, 12.25),
  (25, 8, 5, 1, 7, '2024-05-27 19:28', 12, 3.0),
  (26, 3, 18, 10, 10, '2024-05-31 23:22', 60, 16.0),
  (27, 1, 14, 7, 8, '2024-06-02 10:31', 75, 18.75),
  (28, 17, 7, 11, 9, '2024-06-09 20:44', 45, 12.25),
  (29, 20, 10, 5, 7, '2024-06-10 09:54', 20, 2.0),
  (30, 10, 1, 2, 1, '2024-06-13 19:05', 22, 5.5),
  (31, 7, 10, 3, 4, '2024-06-21 07:46', 20, 5.0),
  (32, 17, 15, 4, 4, '2024-06-22 20:09', 4, 2.0),
  (33, 11, 15, 2, 11, '2024-06-27 22:15', 25, 7.25),
  (34, 12, 9, 1, 1, '2024-07-06 23:19', 15, 2.5),
  (35, 10, 1, 1, 6, '2024-07-11 11:14', 9, 2.25),
  (36, 17, 15, 8, 4, '2024-07-12 23:00', 6, 2.5),
  (37, 18, 1, 6, 2, '2024-07-15 07:20', 20, 5.0),
  (38, 10, 16, 1, 3, '2024-07-19 13:29', 35, 9.75),
  (39, 10, 5, 2, 6, '2024-07-22 19:11', 30, 7.5),
  (40, 10, 10, 3, 5, '2024-07-23 17:23', 12, 3.0),
  (41, 14, 3, 6, 3, '2024-07-24 21:08', 12, 1.2),
  (42, 5, 17, 5, 5, '2024-07-28 14:33', 12, 1.2),
  (43, 18, 15, 2, 2, '2024-08-02 15:25', 4, 2.0),
  (44, 6, 7, 4, 10, '2024-08-16 10:47', 25, 7.25),
  (45, 12, 17, 2, 11, '2024-08-17 12:28', 8, 0.8),
  (46, 18, 4, 1, 3, '2024-09-06 11:00', 35, 9.75),
  (47, 4, 19, 8, 1, '2024-09-09 20:24', 45, 12.25),
  (48, 1, 14, 10, 10, '2024-09-11 13:06', 60, 15.0),
  (49, 7, 3, 2, 5, '2024-09-15 23:47', 25, 6.25),
  (50, 7, 13, 6, 4, '2024-09-25 10:06', 12, 4.0),
  (51, 4, 7, 4, 4, '2024-10-03 10:30', 12, 4.0),
  (52, 4, 2, 2, 8, '2024-10-09 07:06', 75, 19.75),
  (53, 19, 3, 4, 9, '2024-10-13 10:36', 4, 0.4),
  (54, 7, 3, 11, 4, '2024-10-19 08:26', 18, 4.5),
  (55, 4, 4, 8, 8, '2024-10-23 19:31', 6, 2.5),
  (56, 20, 19, 9, 7, '2024-11-01 15:02', 25, 3.5),
  (57, 12, 9, 5, 2, '2024-11-04 06:33', 25, 3.5),
  (58, 6, 14, 1, NULL, '2024-11-04 08:24', NULL, 30.0),
  (59, 18, 10, 3, NULL, '2024-11-16 07:09', NULL, 30.0),
  (60, 6, 18, 7, 8, '2024-11-25 19:19', 35, 9.75);
