-- PostgreSQL schema left by kuril-brief 0.1.0 (bot/storage/migrations.py) at schema version 2.
-- Generated from that code (commit 0e6bc2c) with pg_dump, not written by hand.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

-- *not* creating schema, since initdb creates it

COMMENT ON SCHEMA public IS '';

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.bot_state (
    key character varying(200) NOT NULL,
    value text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.channel_state (
    channel_id bigint NOT NULL,
    kb_version character varying(64) NOT NULL,
    rotation_cursor integer NOT NULL,
    seen_entry_ids text NOT NULL,
    last_briefed_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_channel_state_cursor CHECK ((rotation_cursor >= 0))
);

CREATE TABLE public.delivery_log (
    id integer NOT NULL,
    channel_id bigint NOT NULL,
    slot timestamp with time zone NOT NULL,
    outcome character varying(20) NOT NULL,
    message_id bigint,
    attempts integer NOT NULL,
    note text,
    recorded_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_delivery_log_attempts CHECK ((attempts >= 0)),
    CONSTRAINT ck_delivery_log_outcome CHECK (((outcome)::text = ANY ((ARRAY['claimed'::character varying, 'sent'::character varying, 'sent_late'::character varying, 'skipped_missed'::character varying, 'failed_retrying'::character varying, 'paused'::character varying])::text[])))
);

CREATE SEQUENCE public.delivery_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.delivery_log_id_seq OWNED BY public.delivery_log.id;

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    description character varying(200) NOT NULL,
    applied_at timestamp with time zone NOT NULL
);

CREATE TABLE public.subscriptions (
    channel_id bigint NOT NULL,
    guild_id bigint NOT NULL,
    local_time character varying(5) NOT NULL,
    timezone character varying(64) NOT NULL,
    days character varying(27) NOT NULL,
    role_id bigint,
    status character varying(10) NOT NULL,
    created_by bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    pause_reason character varying(500),
    CONSTRAINT ck_subscriptions_days CHECK ((((days)::text = ANY ((ARRAY['daily'::character varying, 'weekdays'::character varying])::text[])) OR ((length((days)::text) >= 3) AND (length((days)::text) <= 27)))),
    CONSTRAINT ck_subscriptions_ids CHECK (((channel_id > 0) AND (guild_id > 0))),
    CONSTRAINT ck_subscriptions_pause_reason CHECK ((length((pause_reason)::text) <= 500)),
    CONSTRAINT ck_subscriptions_role CHECK (((role_id IS NULL) OR (role_id > 0))),
    CONSTRAINT ck_subscriptions_status CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'paused'::character varying])::text[]))),
    CONSTRAINT ck_subscriptions_time CHECK (((length((local_time)::text) = 5) AND (substr((local_time)::text, 3, 1) = ':'::text) AND ((substr((local_time)::text, 1, 2) >= '00'::text) AND (substr((local_time)::text, 1, 2) <= '23'::text)) AND ((substr((local_time)::text, 4, 2) >= '00'::text) AND (substr((local_time)::text, 4, 2) <= '59'::text)))),
    CONSTRAINT ck_subscriptions_timezone CHECK (((length((timezone)::text) >= 1) AND (length((timezone)::text) <= 64)))
);

ALTER TABLE ONLY public.delivery_log ALTER COLUMN id SET DEFAULT nextval('public.delivery_log_id_seq'::regclass);

ALTER TABLE ONLY public.bot_state
    ADD CONSTRAINT bot_state_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.channel_state
    ADD CONSTRAINT channel_state_pkey PRIMARY KEY (channel_id);

ALTER TABLE ONLY public.delivery_log
    ADD CONSTRAINT delivery_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (channel_id);

ALTER TABLE ONLY public.delivery_log
    ADD CONSTRAINT uq_delivery_log_channel_slot UNIQUE (channel_id, slot);

CREATE INDEX ix_subscriptions_guild_id ON public.subscriptions USING btree (guild_id);

ALTER TABLE ONLY public.channel_state
    ADD CONSTRAINT channel_state_channel_id_fkey FOREIGN KEY (channel_id) REFERENCES public.subscriptions(channel_id) ON DELETE CASCADE;

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

INSERT INTO public.schema_version VALUES (1, 'subscriptions, delivery log, bot state', '2026-12-01 16:39:29.891324+00');
INSERT INTO public.schema_version VALUES (2, 'pause reason, per-channel briefing state', '2026-12-01 16:39:29.903099+00');

