-- SQLite schema left by kuril-brief 0.1.0 (bot/storage/migrations.py) at schema version 1.
-- Generated from that code (commit 0e6bc2c), not written by hand; statements end with ';'.
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	description VARCHAR(200) NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
CREATE TABLE subscriptions (
	channel_id BIGINT NOT NULL, 
	guild_id BIGINT NOT NULL, 
	local_time VARCHAR(5) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	days VARCHAR(27) NOT NULL, 
	role_id BIGINT, 
	status VARCHAR(10) NOT NULL, 
	created_by BIGINT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (channel_id), 
	CONSTRAINT ck_subscriptions_ids CHECK (channel_id > 0 AND guild_id > 0), 
	CONSTRAINT ck_subscriptions_role CHECK (role_id IS NULL OR role_id > 0), 
	CONSTRAINT ck_subscriptions_time CHECK (length(local_time) = 5 AND substr(local_time, 3, 1) = ':' AND substr(local_time, 1, 2) BETWEEN '00' AND '23' AND substr(local_time, 4, 2) BETWEEN '00' AND '59'), 
	CONSTRAINT ck_subscriptions_timezone CHECK (length(timezone) BETWEEN 1 AND 64), 
	CONSTRAINT ck_subscriptions_days CHECK (days IN ('daily', 'weekdays') OR (length(days) BETWEEN 3 AND 27)), 
	CONSTRAINT ck_subscriptions_status CHECK (status IN ('active', 'paused'))
);
CREATE INDEX ix_subscriptions_guild_id ON subscriptions (guild_id);
CREATE TABLE delivery_log (
	id INTEGER NOT NULL, 
	channel_id BIGINT NOT NULL, 
	slot DATETIME NOT NULL, 
	outcome VARCHAR(20) NOT NULL, 
	message_id BIGINT, 
	attempts INTEGER NOT NULL, 
	note TEXT, 
	recorded_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_delivery_log_channel_slot UNIQUE (channel_id, slot), 
	CONSTRAINT ck_delivery_log_outcome CHECK (outcome IN ('claimed', 'sent', 'sent_late', 'skipped_missed', 'failed_retrying', 'paused')), 
	CONSTRAINT ck_delivery_log_attempts CHECK (attempts >= 0)
);
CREATE TABLE bot_state (
	"key" VARCHAR(200) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO schema_version (version, description, applied_at) VALUES (1, 'subscriptions, delivery log, bot state', '2025-03-01 12:00:00.000000');
