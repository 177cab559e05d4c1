/**
 * A suite that the real Seattle weather data (NOAA, 2012–2015, test/fixtures/data/seattle-weather.csv) meets as
 * published: validate-data's own tests run it on DuckDB, and the PostgreSQL and Spark tests on the same table there.
 */
export const WEATHER_SUITE = `version: 1
table:
  row-count: {min: 1000}
  columns: {required: [date, precipitation, temp_max, temp_min, wind, weather]}
  unique: [[date]]
columns:
  date: {type: date, nullable: false}
  precipitation: {type: float, nullable: false, min: 0, max: 60}
  temp_max: {type: float, min: -10, max: 40, mean: {min: 14, max: 18}}
  temp_min: {type: float, min: -15, max: 20, quantiles: {0.5: {min: 7, max: 10}}}
  wind: {type: float, min: 0, max: 10, stddev: {max: 2}}
  weather: {type: category, in: [drizzle, rain, sun, snow, fog]}
`;
