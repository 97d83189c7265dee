-- Run once by the postgres image when its volume is empty (/docker-entrypoint-initdb.d):
-- the app's database is POSTGRES_DB (mowakaba); Prefect's lives beside it, same owner.
CREATE DATABASE prefect OWNER mowakaba;
