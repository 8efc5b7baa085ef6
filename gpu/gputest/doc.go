// Package gputest gives tests the process's one GL device.
package gputest
