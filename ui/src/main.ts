// Tend's UI entry: mounts the app shell.
import "./locale"; // first: before any library reads the page language
import { mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";

const target = document.getElementById("app");
if (target) mount(App, { target });
