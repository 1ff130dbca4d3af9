// Copyright (c) 2026 The nbo Authors. MIT License.
