#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth -c stage=dev`, `npx cdk deploy -c stage=prod -c alarmEmail=ops@example.com`.
 * Context keys are read in lib/config.ts; see docs/deploy.md.
 */
import { App } from 'aws-cdk-lib';
import { configureApp } from '../lib/app.js';

configureApp(new App());
